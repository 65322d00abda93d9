// Calls into gemforge/_bridge.py: Triton's compiler (on a cache miss) and interpreter.
#include <Python.h>

#include "runtime/python_bridge.h"

#include <ATen/core/TensorBase.h>
#include <c10/core/ScalarType.h>
#include <c10/util/Exception.h>

#include <mutex>

// From libtorch_python (torch/csrc/autograd/python_variable.h, whose includes are heavy).
PyObject* THPVariable_Wrap(const at::TensorBase& var);

namespace gemforge::bridge {
namespace {

// Makes sure an interpreter exists (a libtorch program embeds one on first use) and holds
// the GIL for the scope.
class Gil {
 public:
  Gil() {
    static std::once_flag once;
    std::call_once(once, [] {
      if (!Py_IsInitialized()) {
        Py_InitializeEx(0);
        // torch's Python module must be loaded before tensors can be handed to Python.
        PyObject* torch = PyImport_ImportModule("torch");
        if (torch == nullptr) PyErr_Print();
        Py_XDECREF(torch);
        PyEval_SaveThread();  // release: every use below takes the GIL explicitly
      }
    });
    state_ = PyGILState_Ensure();
  }
  ~Gil() { PyGILState_Release(state_); }

 private:
  PyGILState_STATE state_;
};

// Owned reference.
struct Ref {
  PyObject* p = nullptr;
  Ref() = default;
  explicit Ref(PyObject* o) : p(o) {}
  Ref(const Ref&) = delete;
  Ref(Ref&& o) noexcept : p(o.release()) {}
  ~Ref() { Py_XDECREF(p); }
  PyObject* release() {
    PyObject* o = p;
    p = nullptr;
    return o;
  }
};

[[noreturn]] void raise_python_error(const char* what) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  std::string msg = "unknown Python error";
  if (value) {
    // Full traceback text through the traceback module, so the user sees where Triton failed.
    Ref tbmod(PyImport_ImportModule("traceback"));
    Ref lines(tbmod.p ? PyObject_CallMethod(tbmod.p, "format_exception", "OOO", type ? type : Py_None,
                                            value, tb ? tb : Py_None)
                      : nullptr);
    Ref empty(PyUnicode_FromString(""));
    Ref joined(lines.p && empty.p ? PyUnicode_Join(empty.p, lines.p) : nullptr);
    if (joined.p) {
      msg = PyUnicode_AsUTF8(joined.p);
    } else {
      PyErr_Clear();
      Ref s(PyObject_Str(value));
      if (s.p) msg = PyUnicode_AsUTF8(s.p);
    }
  }
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  TORCH_CHECK(false, "gemforge: ", what, " failed:\n", msg);
}

PyObject* bridge_function(const char* name) {
  static PyObject* module = nullptr;  // guarded by the GIL
  if (module == nullptr) {
    module = PyImport_ImportModule("gemforge._bridge");
    if (module == nullptr) raise_python_error("import gemforge._bridge");
  }
  PyObject* fn = PyObject_GetAttrString(module, name);
  if (fn == nullptr) raise_python_error(name);
  return fn;
}

PyObject* str_or_none(const char* s) {
  if (s == nullptr) Py_RETURN_NONE;
  return PyUnicode_FromString(s);
}

const char* triton_type(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Bool: return "*u1";
    case c10::ScalarType::Byte: return "*u8";
    case c10::ScalarType::Char: return "*i8";
    case c10::ScalarType::Short: return "*i16";
    case c10::ScalarType::Int: return "*i32";
    case c10::ScalarType::Long: return "*i64";
    case c10::ScalarType::Half: return "*fp16";
    case c10::ScalarType::BFloat16: return "*bf16";
    case c10::ScalarType::Float: return "*fp32";
    case c10::ScalarType::Double: return "*fp64";
    default: TORCH_CHECK(false, "gemforge: no Triton pointer type for ", t);
  }
}

// (module, function, body_param, body) as Python objects: the first four call arguments.
void handle_args(PyObject* tuple, const rt::KernelHandle& h) {
  PyTuple_SET_ITEM(tuple, 0, PyUnicode_FromString(h.module()));
  PyTuple_SET_ITEM(tuple, 1, PyUnicode_FromString(h.function()));
  PyTuple_SET_ITEM(tuple, 2, str_or_none(h.body_param()));
  PyTuple_SET_ITEM(tuple, 3, str_or_none(h.body()));
}

Ref call(const char* fn_name, PyObject* args_tuple) {
  Ref fn(bridge_function(fn_name));
  Ref result(PyObject_CallObject(fn.p, args_tuple));
  if (result.p == nullptr) raise_python_error(fn_name);
  return Ref(result.release());
}

int64_t get_int(PyObject* tuple, Py_ssize_t i) { return PyLong_AsLongLong(PyTuple_GetItem(tuple, i)); }

}  // namespace

std::string source_hash(const rt::KernelHandle& handle) {
  Gil gil;
  Ref args(PyTuple_New(4));
  handle_args(args.p, handle);
  Ref result = call("source_hash", args.p);
  const char* s = PyUnicode_AsUTF8(result.p);
  if (s == nullptr) raise_python_error("source_hash");
  return s;
}

namespace {

// Triton's view of the arguments: signature (one entry per parameter: "*bf16", "i32", "fp32",
// "constexpr"), constants {index: value} (the body slot is filled in by Python) and the
// indices Triton may assume 16-divisible (pointers: 16-byte aligned).
struct Signature {
  Ref types{PyList_New(0)};
  Ref constants{PyDict_New()};
  Ref divisible{PyList_New(0)};
};

Signature signature_of(const rt::KernelArgs& kargs) {
  Signature sig;
  for (int i = 0; i < kargs.size(); ++i) {
    const rt::Arg& a = kargs[i];
    const char* ty = "constexpr";
    PyObject* constant = nullptr;
    switch (a.type) {
      case rt::ArgType::Ptr: ty = triton_type(static_cast<c10::ScalarType>(a.spec & 0x3f)); break;
      case rt::ArgType::I32: ty = "i32"; break;
      case rt::ArgType::I64: ty = "i64"; break;
      case rt::ArgType::F32: ty = "fp32"; break;
      case rt::ArgType::F64: ty = "fp64"; break;
      case rt::ArgType::One: constant = PyLong_FromLong(1); break;
      case rt::ArgType::Const: constant = PyLong_FromLongLong(a.v.i64); break;
      case rt::ArgType::None: constant = Py_NewRef(Py_None); break;
      case rt::ArgType::Body: break;
      case rt::ArgType::TensorDesc: break;
    }
    std::string desc_type;
    if (a.type == rt::ArgType::TensorDesc) {  // e.g. "tensordesc<bf16[128, 64]>", as Triton spells it
      const rt::TensorDescArg& d = kargs.desc(a);
      desc_type = std::string("tensordesc<") + (triton_type(static_cast<c10::ScalarType>(a.spec)) + 1) + "[";  // no "*"
      for (int j = 0; j < d.ndim; ++j) desc_type += (j ? ", " : "") + std::to_string(d.block[j]);
      desc_type += "]>";
      ty = desc_type.c_str();
    }
    Ref t(PyUnicode_FromString(ty));
    PyList_Append(sig.types.p, t.p);
    if (constant) {
      Ref key(PyLong_FromLong(i));
      PyDict_SetItem(sig.constants.p, key.p, constant);
      Py_DECREF(constant);
    }
    const bool div16 = (a.type == rt::ArgType::Ptr && (a.spec & rt::kAligned)) ||
                       ((a.type == rt::ArgType::I32 || a.type == rt::ArgType::I64) && (a.spec & rt::kDivisible16));
    if (div16) {
      Ref idx(PyLong_FromLong(i));
      PyList_Append(sig.divisible.p, idx.p);
    }
  }
  return sig;
}

}  // namespace

std::unique_ptr<rt::CompiledKernel> compile(const rt::KernelHandle& handle, const rt::KernelArgs& kargs,
                                            const rt::LaunchConfig& cfg, int arch) {
  Gil gil;
  Signature sig = signature_of(kargs);
  Ref args(PyTuple_New(11));
  handle_args(args.p, handle);
  PyTuple_SET_ITEM(args.p, 4, sig.types.release());
  PyTuple_SET_ITEM(args.p, 5, sig.constants.release());
  PyTuple_SET_ITEM(args.p, 6, sig.divisible.release());
  PyTuple_SET_ITEM(args.p, 7, PyLong_FromLong(cfg.num_warps));
  PyTuple_SET_ITEM(args.p, 8, PyLong_FromLong(cfg.num_stages));
  PyTuple_SET_ITEM(args.p, 9, PyLong_FromLong(arch));
  PyTuple_SET_ITEM(args.p, 10, PyLong_FromLong(cfg.maxnreg));
  Ref r = call("compile", args.p);
  // (cubin, name, shared, num_warps, num_ctas, gscratch, galign, pscratch, palign, coop, pdl,
  //  tma: [(swizzle, elem_size, elem_type, (block...)), ...])
  TORCH_CHECK(PyTuple_Check(r.p) && PyTuple_Size(r.p) == 12, "gemforge: bad compile result");
  auto k = std::make_unique<rt::CompiledKernel>();
  char* data = nullptr;
  Py_ssize_t len = 0;
  if (PyBytes_AsStringAndSize(PyTuple_GetItem(r.p, 0), &data, &len) != 0) raise_python_error("compile");
  k->cubin.assign(data, static_cast<size_t>(len));
  k->name = PyUnicode_AsUTF8(PyTuple_GetItem(r.p, 1));
  k->shared = static_cast<int>(get_int(r.p, 2));
  k->num_warps = static_cast<int>(get_int(r.p, 3));
  k->num_ctas = static_cast<int>(get_int(r.p, 4));
  k->global_scratch_size = get_int(r.p, 5);
  k->global_scratch_align = get_int(r.p, 6);
  k->profile_scratch_size = get_int(r.p, 7);
  k->profile_scratch_align = get_int(r.p, 8);
  k->cooperative = get_int(r.p, 9) != 0;
  k->pdl = get_int(r.p, 10) != 0;
  PyObject* tma = PyTuple_GetItem(r.p, 11);
  for (Py_ssize_t i = 0; tma && i < PyList_Size(tma); ++i) {
    PyObject* m = PyList_GetItem(tma, i);
    rt::TmaMeta meta;
    meta.swizzle = static_cast<int32_t>(get_int(m, 0));
    meta.elem_size = static_cast<int32_t>(get_int(m, 1));
    meta.elem_type = static_cast<int32_t>(get_int(m, 2));
    PyObject* block = PyTuple_GetItem(m, 3);
    meta.ndim = static_cast<int32_t>(PyTuple_Size(block));
    TORCH_CHECK(meta.ndim >= 1 && meta.ndim <= 3, "gemforge: bad tensor descriptor metadata");
    for (int j = 0; j < meta.ndim; ++j) meta.block[j] = static_cast<int32_t>(get_int(block, j));
    k->tma.push_back(meta);
  }
  if (PyErr_Occurred()) raise_python_error("compile result");
  return k;
}

void interpret(const rt::KernelHandle& handle, const rt::LaunchConfig& cfg, const rt::KernelArgs& kargs) {
  Gil gil;
  Ref values(PyList_New(kargs.size()));
  for (int i = 0; i < kargs.size(); ++i) {
    const rt::Arg& a = kargs[i];
    PyObject* v = nullptr;
    switch (a.type) {
      case rt::ArgType::Ptr: v = THPVariable_Wrap(*a.tensor); break;
      case rt::ArgType::I32: v = PyLong_FromLong(a.v.i32); break;
      case rt::ArgType::I64:
      case rt::ArgType::Const: v = PyLong_FromLongLong(a.v.i64); break;
      case rt::ArgType::One: v = PyLong_FromLong(1); break;
      case rt::ArgType::F32: v = PyFloat_FromDouble(a.v.f32); break;
      case rt::ArgType::F64: v = PyFloat_FromDouble(a.v.f64); break;
      case rt::ArgType::None:
      case rt::ArgType::Body: v = Py_NewRef(Py_None); break;  // body filled in by the bridge
      case rt::ArgType::TensorDesc: {  // ("tensordesc", tensor, shape, strides, block): the bridge builds it
        const rt::TensorDescArg& d = kargs.desc(a);
        Ref shape(PyTuple_New(d.ndim)), strides(PyTuple_New(d.ndim)), block(PyTuple_New(d.ndim));
        for (int j = 0; j < d.ndim; ++j) {
          PyTuple_SET_ITEM(shape.p, j, PyLong_FromLongLong(d.shape[j]));
          PyTuple_SET_ITEM(strides.p, j, PyLong_FromLongLong(d.strides[j]));
          PyTuple_SET_ITEM(block.p, j, PyLong_FromLong(d.block[j]));
        }
        v = Py_BuildValue("(sNOOO)", "tensordesc", THPVariable_Wrap(*d.tensor), shape.p, strides.p, block.p);
        break;
      }
    }
    if (v == nullptr) raise_python_error("interpret arguments");
    PyList_SET_ITEM(values.p, i, v);
  }
  Ref args(PyTuple_New(8));
  handle_args(args.p, handle);
  PyTuple_SET_ITEM(args.p, 7, signature_of(kargs).types.release());
  PyTuple_SET_ITEM(args.p, 4, Py_BuildValue("(LLL)", static_cast<long long>(cfg.grid[0]),
                                            static_cast<long long>(cfg.grid[1]), static_cast<long long>(cfg.grid[2])));
  PyTuple_SET_ITEM(args.p, 5, values.release());
  PyTuple_SET_ITEM(args.p, 6, PyLong_FromLong(cfg.num_warps));
  call("interpret", args.p);
}

}  // namespace gemforge::bridge

// The shared library doubles as the Python extension module gemforge._C: importing it runs
// the static registrations (torch.ops.gemforge_rt.*). It has no Python-level functions.
extern "C" PyMODINIT_FUNC PyInit__C() {
  static PyModuleDef def = {PyModuleDef_HEAD_INIT, "_C", "GemForge C++ core", -1, nullptr};
  return PyModule_Create(&def);
}
