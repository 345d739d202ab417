#!/usr/bin/env bash
# Builds the `--features cuda` binary on this CPU machine, for a lent GPU
# machine that has a CUDA 13.0 driver but no Rust toolchain.
#
# The CUDA toolkit comes from NVIDIA's PyPI wheels (pinned below, no newer
# than 13.0, the driver's version): nvcc and cicc compile candle's kernels
# to PTX for compute capability 9.0 (H100, H200; CUDA_COMPUTE_CAP overrides),
# and the wheels' shared libraries are what the binary links against. The
# driver library (libcuda.so.1) exists only where a GPU is: the link uses a
# stub built here from cuda.h's declarations, named libcuda.so.1, so the
# binary loads the GPU machine's own driver.
#
#   bash scripts/build_cuda.sh      # -> target-cuda/slm-pipeline (stripped)
#
# The binary needs, on the GPU machine, the driver and the CUDA 13 runtime
# libraries (cuBLAS, cuRAND, NVRTC; README "GPU").
set -euo pipefail
source "$(dirname "$0")/env.sh"

TOOLKIT="${SLM_CUDA_TOOLKIT:-$HOME/.cache/slm-pipeline/cuda-13.0}"
WHEELS=(
  nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88
  nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85 nvidia-cuda-nvrtc==13.0.88
  nvidia-cublas==13.0.2.14 nvidia-curand==10.4.5.25
)

if [ ! -x "$TOOLKIT/bin/nvcc" ] || [ ! -f "$TOOLKIT/lib/stubs/libcuda.so" ]; then
  echo "build_cuda: fetching the CUDA 13.0 toolkit wheels into $TOOLKIT"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --no-deps --quiet --dest "$tmp/wheels" "${WHEELS[@]}"
  for wheel in "$tmp"/wheels/*.whl; do
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$tmp/unpacked"
  done
  root="$tmp/unpacked/nvidia/cu13"
  # Zip archives drop the executable bits.
  chmod +x "$root"/bin/* "$root"/nvvm/bin/*
  # nvcc.profile looks for headers and libraries below targets/x86_64-linux.
  mkdir -p "$root/targets" && ln -sfn .. "$root/targets/x86_64-linux"
  # The linker wants unversioned names.
  for lib in cublas cublasLt curand nvrtc cudart; do
    versioned=$(cd "$root/lib" && ls "lib$lib.so."* | grep -v builtins | head -1)
    ln -sfn "$versioned" "$root/lib/lib$lib.so"
  done
  # A link-time stand-in for the driver: every function cuda.h declares
  # (under the names its macros give them), with the driver's soname.
  mkdir -p "$root/lib/stubs"
  {
    gcc -E -P -I"$root/include" "$root/include/cuda.h" | tr '\n' ' ' | grep -oE '\bcu[A-Z][A-Za-z0-9_]*\s*\(' | sed 's/\s*($//'
    grep -ohE '^\s*#define\s+cu[A-Z][A-Za-z0-9_]*\s+cu[A-Z][A-Za-z0-9_]*\s*$' "$root/include/cuda.h" | awk '{print $2; print $3}'
  } | sort -u | awk '{print "void " $1 "(void) {}"}' >"$tmp/libcuda_stub.c"
  gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$root/lib/stubs/libcuda.so" "$tmp/libcuda_stub.c"
  rm -rf "$TOOLKIT" && mkdir -p "$(dirname "$TOOLKIT")" && mv "$root" "$TOOLKIT"
fi

export CUDA_ROOT="$TOOLKIT" CUDA_PATH="$TOOLKIT" PATH="$TOOLKIT/bin:$PATH"
export CUDA_COMPUTE_CAP="${CUDA_COMPUTE_CAP:-90}"
export LIBRARY_PATH="$TOOLKIT/lib:$TOOLKIT/lib/stubs${LIBRARY_PATH:+:$LIBRARY_PATH}"
nvcc --version | tail -2

# A target directory of its own: the cuda feature changes the features of
# dependencies shared with everything (serde, prost...), so nearly the whole
# tree builds again (about as long as a cold CPU build), and the CPU
# binary and test builds stay as they are.
export CARGO_TARGET_DIR="${SLM_CUDA_TARGET_DIR:-$HOME/.cache/slm-pipeline/target-cuda}"
cargo build --locked --features cuda --bin slm-pipeline "${OPT[@]}"
mkdir -p target-cuda
cp "$CARGO_TARGET_DIR/debug/slm-pipeline" target-cuda/slm-pipeline
strip target-cuda/slm-pipeline
echo "build_cuda: target-cuda/slm-pipeline, $(du -m target-cuda/slm-pipeline | cut -f1) MiB; needs $(readelf -d target-cuda/slm-pipeline | grep -oE 'lib(cuda|cublas|cublasLt|curand|nvrtc)\.so[.0-9]*' | sort -u | tr '\n' ' ')"
