/* The record walk of trackfiles.fit.scan in C: the one loop of the FIT decoder that numpy cannot vectorise,
 * because where a record starts depends on the size of the one before it.
 *
 * walk(data, pos, end, sizes) follows data records from byte `pos`: the header byte at each position gives
 * the record's total size through `sizes` (256 native ints, 0 for a header this loop must not handle:
 * definitions, undefined local types, field descriptions). It stops at the first such header or at `end`
 * and returns (starts, pos): the start offset of every record it passed, as native int64 bytes, and where it
 * stopped. A last record that runs past `end` is still listed and `pos` is then past `end`, exactly as the
 * Python loop it replaces reports it (the caller turns that into a truncation warning).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *walk(PyObject *self, PyObject *args) {
    Py_buffer data, sizes;
    Py_ssize_t pos, end;
    if (!PyArg_ParseTuple(args, "y*nny*", &data, &pos, &end, &sizes)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (sizes.len != 256 * (Py_ssize_t)sizeof(int)) {
        PyErr_SetString(PyExc_ValueError, "sizes must hold 256 native ints");
        goto done;
    }
    if (pos < 0 || end > data.len || pos > end) {
        PyErr_SetString(PyExc_ValueError, "pos and end must lie inside the data");
        goto done;
    }
    const unsigned char *bytes = (const unsigned char *)data.buf;
    const int *size_of = (const int *)sizes.buf;
    /* No record is shorter than the smallest size in the table: that bounds how many can start here. */
    int smallest = 0;
    for (int i = 0; i < 256; i++) {
        if (size_of[i] > 0 && (smallest == 0 || size_of[i] < smallest)) {
            smallest = size_of[i];
        }
    }
    Py_ssize_t capacity = smallest ? (end - pos) / smallest + 1 : 0;
    int64_t *starts = PyMem_Malloc((capacity > 0 ? capacity : 1) * sizeof(int64_t));
    if (starts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t count = 0;
    while (pos < end) {
        int size = size_of[bytes[pos]];
        if (size <= 0) {
            break;
        }
        starts[count++] = pos;
        pos += size;
    }
    PyObject *packed = PyBytes_FromStringAndSize((const char *)starts, count * (Py_ssize_t)sizeof(int64_t));
    PyMem_Free(starts);
    if (packed != NULL) {
        result = Py_BuildValue("(Nn)", packed, pos);
    }
done:
    PyBuffer_Release(&data);
    PyBuffer_Release(&sizes);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS, "walk(data, pos, end, sizes) -> (starts as int64 bytes, stop position)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_walk", NULL, -1, methods};

PyMODINIT_FUNC PyInit__walk(void) { return PyModule_Create(&module); }
