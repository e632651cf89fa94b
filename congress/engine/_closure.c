/* The transitive closure of a binary relation, computed in C: congress.engine._closure.
 *
 * transitive_closure(edges) takes an iterable of 2-tuples (x, y) and returns a new dict whose keys are
 * the tuples (x, z) for which a path of one or more edges leads from x to z, each with the value 1 (the
 * derivation count the engine's recursive relations keep). Nodes are compared as dict keys compare them.
 *
 * Why C: the answer has to be a dict of Python tuples (the engine's relation), and computing it node by
 * node in Python costs more than building that dict; here the search is a small part of the work.
 *
 * How: nodes get dense ids (a dict), the edges become adjacency arrays, and an iterative Tarjan search
 * finds the strongly connected components. A component completes after every component it leads to, so
 * its reach (every node reachable from its members) is the union of its members' successors and their
 * components' reaches, computed once per component and shared by its members. A stamp per node keeps the
 * unions free of duplicates without sorting. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

typedef int32_t node_t;

typedef struct {
    node_t *items;
    Py_ssize_t size, capacity;
} Buffer;

static int
buffer_reserve(Buffer *buf, Py_ssize_t more)
{
    if (buf->size + more <= buf->capacity) {
        return 0;
    }
    Py_ssize_t capacity = buf->capacity ? buf->capacity : 1024;
    while (capacity < buf->size + more) {
        capacity *= 2;
    }
    node_t *items = PyMem_Realloc(buf->items, (size_t)capacity * sizeof(node_t));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    buf->items = items;
    buf->capacity = capacity;
    return 0;
}

/* Everything the search allocates, freed in one place. */
typedef struct {
    Py_ssize_t n_nodes, n_edges;
    node_t *src, *dst;           /* the edges, as node ids */
    Py_ssize_t *first;           /* first[v] .. first[v + 1]: v's successors in targets */
    node_t *targets;
    node_t *order, *low;         /* Tarjan: visit order (-1: unvisited) and lowest order reached */
    node_t *component;           /* the node's component (-1 while open) */
    node_t *stack, *members;     /* Tarjan's stack of open nodes; members of the component completing */
    node_t *calls;               /* the search's own call stack: node */
    Py_ssize_t *resume;          /* and the position of the next successor to visit */
    node_t *stamp;               /* node -> last component whose reach holds it */
    node_t *seen;                /* component -> last component that took in its reach */
    Py_ssize_t *reach_start, *reach_size; /* component -> its reach in reached */
    Buffer reached;
} Search;

static void
search_free(Search *s)
{
    PyMem_Free(s->src);
    PyMem_Free(s->dst);
    PyMem_Free(s->first);
    PyMem_Free(s->targets);
    PyMem_Free(s->order);
    PyMem_Free(s->low);
    PyMem_Free(s->component);
    PyMem_Free(s->stack);
    PyMem_Free(s->members);
    PyMem_Free(s->calls);
    PyMem_Free(s->resume);
    PyMem_Free(s->stamp);
    PyMem_Free(s->seen);
    PyMem_Free(s->reach_start);
    PyMem_Free(s->reach_size);
    PyMem_Free(s->reached.items);
}

/* The id of ``value``, given a new one (and appended to ``nodes``) if it has none yet; -1 on error. */
static node_t
node_id(PyObject *ids, PyObject *nodes, PyObject *value)
{
    PyObject *found = PyDict_GetItemWithError(ids, value);
    if (found != NULL) {
        return (node_t)PyLong_AsLong(found);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t id = PyList_GET_SIZE(nodes);
    if (id >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many nodes for the closure");
        return -1;
    }
    PyObject *number = PyLong_FromSsize_t(id);
    if (number == NULL) {
        return -1;
    }
    int failed = PyDict_SetItem(ids, value, number) < 0 || PyList_Append(nodes, value) < 0;
    Py_DECREF(number);
    return failed ? -1 : (node_t)id;
}

/* Read the edges into ids and adjacency arrays. */
static int
read_edges(Search *s, PyObject *edges, PyObject *nodes)
{
    PyObject *seq = PySequence_Fast(edges, "the edges must be iterable");
    if (seq == NULL) {
        return -1;
    }
    PyObject *ids = PyDict_New();
    if (ids == NULL) {
        Py_DECREF(seq);
        return -1;
    }
    Py_ssize_t n_edges = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    s->n_edges = n_edges;
    s->src = PyMem_Malloc((size_t)(n_edges ? n_edges : 1) * sizeof(node_t));
    s->dst = PyMem_Malloc((size_t)(n_edges ? n_edges : 1) * sizeof(node_t));
    int status = -1;
    if (s->src == NULL || s->dst == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_edges; i++) {
        PyObject *edge = items[i];
        if (!PyTuple_Check(edge) || PyTuple_GET_SIZE(edge) != 2) {
            PyErr_SetString(PyExc_TypeError, "every edge must be a tuple of two values");
            goto done;
        }
        node_t x = node_id(ids, nodes, PyTuple_GET_ITEM(edge, 0));
        if (x < 0) {
            goto done;
        }
        node_t y = node_id(ids, nodes, PyTuple_GET_ITEM(edge, 1));
        if (y < 0) {
            goto done;
        }
        s->src[i] = x;
        s->dst[i] = y;
    }
    s->n_nodes = PyList_GET_SIZE(nodes);
    status = 0;
done:
    Py_DECREF(ids);
    Py_DECREF(seq);
    return status;
}

static int
allocate(Search *s)
{
    Py_ssize_t n = s->n_nodes ? s->n_nodes : 1;
    size_t ids = (size_t)n * sizeof(node_t), positions = (size_t)(n + 1) * sizeof(Py_ssize_t);
    s->first = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    s->targets = PyMem_Malloc((size_t)(s->n_edges ? s->n_edges : 1) * sizeof(node_t));
    s->order = PyMem_Malloc(ids);
    s->low = PyMem_Malloc(ids);
    s->component = PyMem_Malloc(ids);
    s->stack = PyMem_Malloc(ids);
    s->members = PyMem_Malloc(ids);
    s->calls = PyMem_Malloc(ids);
    s->resume = PyMem_Malloc(positions);
    s->stamp = PyMem_Malloc(ids);
    s->seen = PyMem_Malloc(ids);
    s->reach_start = PyMem_Malloc(positions);
    s->reach_size = PyMem_Malloc(positions);
    if (!s->first || !s->targets || !s->order || !s->low || !s->component || !s->stack || !s->members
        || !s->calls || !s->resume || !s->stamp || !s->seen || !s->reach_start || !s->reach_size) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t v = 0; v < s->n_nodes; v++) {
        s->order[v] = -1;
        s->component[v] = -1;
        s->stamp[v] = -1;
        s->seen[v] = -1;
    }
    /* adjacency: count, prefix sums, fill */
    for (Py_ssize_t i = 0; i < s->n_edges; i++) {
        s->first[s->src[i] + 1]++;
    }
    for (Py_ssize_t v = 0; v < s->n_nodes; v++) {
        s->first[v + 1] += s->first[v];
    }
    return 0;
}

static void
fill_targets(Search *s)
{
    /* resume[] doubles as the fill cursor before the search uses it */
    for (Py_ssize_t v = 0; v < s->n_nodes; v++) {
        s->resume[v] = s->first[v];
    }
    for (Py_ssize_t i = 0; i < s->n_edges; i++) {
        s->targets[s->resume[s->src[i]]++] = s->dst[i];
    }
}

/* The reach of the component ``c`` whose members are s->members[0 .. count). */
static int
complete_component(Search *s, node_t c, Py_ssize_t count)
{
    Buffer *out = &s->reached;
    s->reach_start[c] = out->size;
    for (Py_ssize_t m = 0; m < count; m++) {
        node_t member = s->members[m];
        for (Py_ssize_t e = s->first[member]; e < s->first[member + 1]; e++) {
            node_t t = s->targets[e];
            if (s->stamp[t] != c) {
                if (buffer_reserve(out, 1) < 0) {
                    return -1;
                }
                s->stamp[t] = c;
                out->items[out->size++] = t;
            }
            node_t below = s->component[t];
            if (below == c || below < 0 || s->seen[below] == c) { /* (< 0 cannot happen: t completed) */
                continue;
            }
            s->seen[below] = c;
            Py_ssize_t start = s->reach_start[below], size = s->reach_size[below];
            if (buffer_reserve(out, size) < 0) { /* before reading: a reallocation moves the items */
                return -1;
            }
            node_t *items = out->items;
            for (Py_ssize_t k = start; k < start + size; k++) {
                node_t z = items[k];
                if (s->stamp[z] != c) {
                    s->stamp[z] = c;
                    items[out->size++] = z;
                }
            }
        }
    }
    s->reach_size[c] = out->size - s->reach_start[c];
    return 0;
}

/* Iterative Tarjan from every unvisited node; each component's reach is computed as it completes. */
static int
search(Search *s)
{
    node_t visits = 0, components = 0;
    Py_ssize_t stacked = 0;
    for (node_t root = 0; root < s->n_nodes; root++) {
        if (s->order[root] >= 0) {
            continue;
        }
        Py_ssize_t depth = 0;
        s->calls[0] = root;
        s->resume[0] = s->first[root];
        s->order[root] = s->low[root] = visits++;
        s->stack[stacked++] = root;
        while (depth >= 0) {
            node_t v = s->calls[depth];
            Py_ssize_t e = s->resume[depth];
            if (e < s->first[v + 1]) {
                node_t t = s->targets[e];
                s->resume[depth] = e + 1;
                if (s->order[t] < 0) { /* descend */
                    depth++;
                    s->calls[depth] = t;
                    s->resume[depth] = s->first[t];
                    s->order[t] = s->low[t] = visits++;
                    s->stack[stacked++] = t;
                }
                else if (s->component[t] < 0 && s->order[t] < s->low[v]) { /* open: on the stack */
                    s->low[v] = s->order[t];
                }
                continue;
            }
            if (s->low[v] == s->order[v]) { /* v roots a component: its members are on top */
                Py_ssize_t count = 0;
                node_t member;
                do {
                    member = s->stack[--stacked];
                    s->component[member] = components;
                    s->members[count++] = member;
                } while (member != v);
                if (complete_component(s, components, count) < 0) {
                    return -1;
                }
                components++;
            }
            depth--;
            if (depth >= 0) {
                node_t parent = s->calls[depth];
                if (s->low[v] < s->low[parent]) {
                    s->low[parent] = s->low[v];
                }
            }
        }
    }
    return 0;
}

/* The closure's rows: (x, z) for every node x and every z in the reach of x's component. */
static PyObject *
rows(Search *s, PyObject *nodes)
{
    PyObject *result = PyDict_New();
    PyObject *one = PyLong_FromLong(1);
    if (result == NULL || one == NULL) {
        Py_XDECREF(result);
        Py_XDECREF(one);
        return NULL;
    }
    PyObject **values = PySequence_Fast_ITEMS(nodes);
    for (node_t x = 0; x < s->n_nodes; x++) {
        node_t c = s->component[x];
        const node_t *reach = s->reached.items + s->reach_start[c];
        for (Py_ssize_t k = 0; k < s->reach_size[c]; k++) {
            PyObject *row = PyTuple_New(2);
            if (row == NULL) {
                goto fail;
            }
            Py_INCREF(values[x]);
            PyTuple_SET_ITEM(row, 0, values[x]);
            Py_INCREF(values[reach[k]]);
            PyTuple_SET_ITEM(row, 1, values[reach[k]]);
            int failed = PyDict_SetItem(result, row, one) < 0;
            Py_DECREF(row);
            if (failed) {
                goto fail;
            }
        }
    }
    Py_DECREF(one);
    return result;
fail:
    Py_DECREF(one);
    Py_DECREF(result);
    return NULL;
}

static PyObject *
transitive_closure(PyObject *module, PyObject *edges)
{
    Search s = {0};
    PyObject *result = NULL;
    PyObject *nodes = PyList_New(0);
    if (nodes == NULL) {
        return NULL;
    }
    if (read_edges(&s, edges, nodes) == 0 && allocate(&s) == 0) {
        fill_targets(&s);
        if (search(&s) == 0) {
            result = rows(&s, nodes);
        }
    }
    search_free(&s);
    Py_DECREF(nodes);
    return result;
}

static PyMethodDef methods[] = {
    {"transitive_closure", transitive_closure, METH_O,
     "transitive_closure(edges) -> {(x, z): 1} for every path of one or more edges from x to z."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_closure", "The transitive closure of a binary relation, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__closure(void)
{
    return PyModule_Create(&module);
}
