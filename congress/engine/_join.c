/* A rule's full evaluation (every derivation, counted) in C: congress.engine._join.
 *
 * run_join(steps, head, slots, out, sign) runs the nested loops that congress/engine/plan.py would
 * generate for a rule with no seed and ``count`` output, over the same relations and indexes, and adds
 * ``sign`` to out[head row] once per derivation. The plan (literal order, which index each literal uses)
 * is decided in Python (congress/engine/native_plan.py); this file only runs it. The first evaluation
 * of a rule over whole tables is where the Python loops cost most.
 *
 * ``slots`` holds one value per variable or constant of the rule (constants filled in, variables None);
 * every term of the plan is a slot number. Each step is a tuple (op, container, key, binds):
 *   SCAN    container: a relation's rows dict; every row
 *   LOOKUP  container: an index dict; the rows in the bucket of key (one slot: its value; more: a tuple)
 *   MEMBER  container: a rows dict; goes on when the tuple of the key slots is a row
 *   ABSENT  the same, when it is not (a negated literal)
 * binds: tuples (column, slot, new) for SCAN and LOOKUP rows: ``new`` stores row[column] in the slot,
 * otherwise row[column] must equal the slot's value. head: the slot numbers of the head row.
 *
 * Slots hold borrowed references: every row the loops visit stays in its relation until the run ends
 * (nothing changes the engine's tables while a plan runs). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

enum { SCAN, LOOKUP, MEMBER, ABSENT };

typedef struct {
    int op;
    PyObject *container;
    Py_ssize_t n_key, *key;
    Py_ssize_t n_binds, *columns, *targets;
    char *new_value;
} Step;

typedef struct {
    Step *steps;
    Py_ssize_t n_steps;
    Py_ssize_t n_head, *head;
    PyObject **slots;
    PyObject *out, *sign;
} Join;

static PyObject *
tuple_of_slots(Join *join, const Py_ssize_t *slots, Py_ssize_t count)
{
    PyObject *row = PyTuple_New(count);
    if (row == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *value = join->slots[slots[i]];
        Py_INCREF(value);
        PyTuple_SET_ITEM(row, i, value);
    }
    return row;
}

/* out[head] += sign */
static int
emit(Join *join)
{
    PyObject *row = tuple_of_slots(join, join->head, join->n_head);
    if (row == NULL) {
        return -1;
    }
    int status = -1;
    PyObject *count = PyDict_GetItemWithError(join->out, row);
    if (count == NULL && PyErr_Occurred()) {
        goto done;
    }
    PyObject *total = count == NULL ? Py_NewRef(join->sign) : PyNumber_Add(count, join->sign);
    if (total != NULL) {
        status = PyDict_SetItem(join->out, row, total);
        Py_DECREF(total);
    }
done:
    Py_DECREF(row);
    return status;
}

static int descend(Join *join, Py_ssize_t level);

/* Bind (or check) ``row``'s columns for ``step``, then go on: 0 when the row does not match. */
static int
visit_row(Join *join, Step *step, Py_ssize_t level, PyObject *row)
{
    if (!PyTuple_Check(row)) {
        PyErr_SetString(PyExc_TypeError, "a row is not a tuple");
        return -1;
    }
    Py_ssize_t width = PyTuple_GET_SIZE(row);
    for (Py_ssize_t b = 0; b < step->n_binds; b++) {
        if (step->columns[b] >= width) {
            return 0;
        }
        PyObject *value = PyTuple_GET_ITEM(row, step->columns[b]);
        if (step->new_value[b]) {
            join->slots[step->targets[b]] = value;
            continue;
        }
        int equal = PyObject_RichCompareBool(value, join->slots[step->targets[b]], Py_EQ);
        if (equal <= 0) {
            return equal;
        }
    }
    return descend(join, level + 1);
}

static int
run_step(Join *join, Py_ssize_t level)
{
    Step *step = &join->steps[level];
    if (step->op == SCAN) {
        Py_ssize_t position = 0;
        PyObject *row, *count;
        while (PyDict_Next(step->container, &position, &row, &count)) {
            if (visit_row(join, step, level, row) < 0) {
                return -1;
            }
        }
        return 0;
    }
    if (step->op == MEMBER || step->op == ABSENT) {
        PyObject *row = tuple_of_slots(join, step->key, step->n_key);
        if (row == NULL) {
            return -1;
        }
        int present = PyDict_Contains(step->container, row);
        Py_DECREF(row);
        if (present < 0) {
            return -1;
        }
        return present == (step->op == MEMBER) ? descend(join, level + 1) : 0;
    }
    PyObject *key = step->n_key == 1 ? Py_NewRef(join->slots[step->key[0]])
                                     : tuple_of_slots(join, step->key, step->n_key);
    if (key == NULL) {
        return -1;
    }
    PyObject *bucket = PyDict_GetItemWithError(step->container, key);
    Py_DECREF(key);
    if (bucket == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    if (PyList_CheckExact(bucket)) {
        Py_INCREF(bucket);
        int status = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(bucket) && status >= 0; i++) {
            status = visit_row(join, step, level, PyList_GET_ITEM(bucket, i));
        }
        Py_DECREF(bucket);
        return status < 0 ? -1 : 0;
    }
    PyObject *rows = PyObject_GetIter(bucket); /* a set bucket */
    if (rows == NULL) {
        return -1;
    }
    PyObject *row;
    int status = 0;
    while (status >= 0 && (row = PyIter_Next(rows)) != NULL) {
        status = visit_row(join, step, level, row);
        Py_DECREF(row);
    }
    Py_DECREF(rows);
    return status < 0 || PyErr_Occurred() ? -1 : 0;
}

static int
descend(Join *join, Py_ssize_t level)
{
    return level == join->n_steps ? emit(join) : run_step(join, level);
}

/* Slot numbers from a tuple of ints into ``into`` (checked against the number of slots). */
static int
read_slots(PyObject *numbers, Py_ssize_t *into, Py_ssize_t n_slots)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(numbers); i++) {
        into[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(numbers, i));
        if (into[i] < 0 || into[i] >= n_slots) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "no such slot");
            }
            return -1;
        }
    }
    return 0;
}

static int
read_step(PyObject *spec, Step *step, Py_ssize_t n_slots)
{
    PyObject *op, *container, *key, *binds;
    if (!PyTuple_Check(spec) || !PyArg_ParseTuple(spec, "OO!O!O!", &op, &PyDict_Type, &container,
                                                  &PyTuple_Type, &key, &PyTuple_Type, &binds)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "a step is (op, dict, key slots, binds)");
        }
        return -1;
    }
    step->op = (int)PyLong_AsLong(op);
    if (step->op < SCAN || step->op > ABSENT) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "unknown step");
        }
        return -1;
    }
    step->container = container;
    step->n_key = PyTuple_GET_SIZE(key);
    step->n_binds = PyTuple_GET_SIZE(binds);
    if (step->op == LOOKUP && step->n_key == 0) {
        PyErr_SetString(PyExc_ValueError, "a lookup needs a key");
        return -1;
    }
    step->key = PyMem_Calloc((size_t)step->n_key + 1, sizeof(Py_ssize_t));
    step->columns = PyMem_Calloc((size_t)step->n_binds + 1, sizeof(Py_ssize_t));
    step->targets = PyMem_Calloc((size_t)step->n_binds + 1, sizeof(Py_ssize_t));
    step->new_value = PyMem_Calloc((size_t)step->n_binds + 1, 1);
    if (!step->key || !step->columns || !step->targets || !step->new_value) {
        PyErr_NoMemory();
        return -1;
    }
    if (read_slots(key, step->key, n_slots) < 0) {
        return -1;
    }
    for (Py_ssize_t b = 0; b < step->n_binds; b++) {
        Py_ssize_t column, target;
        int new_value;
        PyObject *bind = PyTuple_GET_ITEM(binds, b);
        if (!PyTuple_Check(bind) || !PyArg_ParseTuple(bind, "nnp", &column, &target, &new_value)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "a bind is (column, slot, new)");
            }
            return -1;
        }
        if (column < 0 || target < 0 || target >= n_slots) {
            PyErr_SetString(PyExc_ValueError, "bad bind");
            return -1;
        }
        step->columns[b] = column;
        step->targets[b] = target;
        step->new_value[b] = (char)new_value;
    }
    return 0;
}

static void
free_join(Join *join)
{
    for (Py_ssize_t i = 0; join->steps != NULL && i < join->n_steps; i++) {
        PyMem_Free(join->steps[i].key);
        PyMem_Free(join->steps[i].columns);
        PyMem_Free(join->steps[i].targets);
        PyMem_Free(join->steps[i].new_value);
    }
    PyMem_Free(join->steps);
    PyMem_Free(join->head);
    PyMem_Free(join->slots);
}

static PyObject *
run_join(PyObject *module, PyObject *args)
{
    PyObject *steps, *head, *slots, *out, *sign;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O", &PyTuple_Type, &steps, &PyTuple_Type, &head, &PyTuple_Type,
                          &slots, &PyDict_Type, &out, &sign)) {
        return NULL;
    }
    Join join = {0};
    join.out = out;
    join.sign = sign;
    Py_ssize_t n_slots = PyTuple_GET_SIZE(slots);
    join.n_steps = PyTuple_GET_SIZE(steps);
    join.n_head = PyTuple_GET_SIZE(head);
    join.steps = PyMem_Calloc((size_t)join.n_steps + 1, sizeof(Step));
    join.head = PyMem_Calloc((size_t)join.n_head + 1, sizeof(Py_ssize_t));
    join.slots = PyMem_Calloc((size_t)n_slots + 1, sizeof(PyObject *));
    int status = -1;
    if (!join.steps || !join.head || !join.slots) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_slots; i++) {
        join.slots[i] = PyTuple_GET_ITEM(slots, i); /* constants; None until a variable is bound */
    }
    if (read_slots(head, join.head, n_slots) < 0) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < join.n_steps; i++) {
        if (read_step(PyTuple_GET_ITEM(steps, i), &join.steps[i], n_slots) < 0) {
            goto done;
        }
    }
    status = descend(&join, 0);
done:
    free_join(&join);
    if (status < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"run_join", run_join, METH_VARARGS,
     "run_join(steps, head, slots, out, sign): out[head row] += sign for every derivation."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_join", "A rule's full evaluation, counted, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__join(void)
{
    return PyModule_Create(&module);
}
