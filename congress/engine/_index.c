/* Building a relation's hash index in C: congress.engine._index.
 *
 * group_rows(columns, rows) takes a non-empty tuple of column numbers and an iterable of row tuples and
 * returns a new dict mapping each key to the list of the rows having it, in the order they came. The key
 * is the row's value in the column when there is one column, else the tuple of its values in the columns
 * (what operator.itemgetter(*columns) gives). congress/engine/relation.py does the same in Python where
 * this is not built; a rule's first evaluation builds its indexes over whole tables. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The key of ``row`` (a new reference), or NULL with an exception set. */
static PyObject *
row_key(PyObject *row, const Py_ssize_t *columns, Py_ssize_t count)
{
    if (!PyTuple_Check(row)) {
        PyErr_SetString(PyExc_TypeError, "every row must be a tuple");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (columns[i] >= PyTuple_GET_SIZE(row)) {
            PyErr_SetString(PyExc_IndexError, "a row has no such column");
            return NULL;
        }
    }
    if (count == 1) {
        return Py_NewRef(PyTuple_GET_ITEM(row, columns[0]));
    }
    PyObject *key = PyTuple_New(count);
    if (key == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyTuple_SET_ITEM(key, i, Py_NewRef(PyTuple_GET_ITEM(row, columns[i])));
    }
    return key;
}

/* Append ``row`` to the bucket of ``key``, making the bucket if it is the first row with that key. */
static int
add_row(PyObject *index, PyObject *key, PyObject *row)
{
    PyObject *bucket = PyDict_GetItemWithError(index, key);
    if (bucket != NULL) {
        return PyList_Append(bucket, row);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    bucket = PyList_New(1);
    if (bucket == NULL) {
        return -1;
    }
    PyList_SET_ITEM(bucket, 0, Py_NewRef(row));
    int status = PyDict_SetItem(index, key, bucket);
    Py_DECREF(bucket);
    return status;
}

static PyObject *
group_rows(PyObject *module, PyObject *args)
{
    PyObject *numbers, *rows;
    if (!PyArg_ParseTuple(args, "O!O", &PyTuple_Type, &numbers, &rows)) {
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(numbers);
    if (count == 0) {
        PyErr_SetString(PyExc_ValueError, "an index needs a column");
        return NULL;
    }
    Py_ssize_t *columns = PyMem_Calloc((size_t)count, sizeof(Py_ssize_t));
    if (columns == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *index = NULL, *iterator = NULL, *row;
    for (Py_ssize_t i = 0; i < count; i++) {
        columns[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(numbers, i));
        if (columns[i] < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "column numbers are not negative");
            }
            goto fail;
        }
    }
    iterator = PyObject_GetIter(rows);
    index = iterator == NULL ? NULL : PyDict_New();
    if (index == NULL) {
        goto fail;
    }
    while ((row = PyIter_Next(iterator)) != NULL) {
        PyObject *key = row_key(row, columns, count);
        int failed = key == NULL || add_row(index, key, row) < 0;
        Py_XDECREF(key);
        Py_DECREF(row);
        if (failed) {
            goto fail;
        }
    }
    if (PyErr_Occurred()) {
        goto fail;
    }
    Py_DECREF(iterator);
    PyMem_Free(columns);
    return index;
fail:
    Py_XDECREF(iterator);
    Py_XDECREF(index);
    PyMem_Free(columns);
    return NULL;
}

static PyMethodDef methods[] = {
    {"group_rows", group_rows, METH_VARARGS,
     "group_rows(columns, rows) -> {key: [the rows with that key, in order]}."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_index", "Building a relation's hash index, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__index(void)
{
    return PyModule_Create(&module);
}
