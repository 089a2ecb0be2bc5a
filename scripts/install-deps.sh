#!/bin/sh
# Install what ptsim needs on Debian 12, only what is missing.
# Called by `make run`, `make test`, `make check-all`, `make fuzz` and `make bench`; safe to
# run again.
set -eu

# Build and run: compiler (C, and C++ for the one SimGrid platform file), CMake, pkg-config,
# SimGrid, libyaml, GSL, cmocka.
PKGS="gcc g++ make cmake pkg-config libsimgrid-dev libyaml-dev libgsl-dev libcmocka-dev"
# Test-time tools: python3 for the result-comparison scripts in analysis/; acpica-tools
# (iasl) to disassemble the firmware's ACPI DMAR table in tests/firmware; pciutils, whose
# lspci reads ptsim's config dumps back (tests/scenario/lspci_decode.py).
PKGS="$PKGS python3 acpica-tools pciutils"
# Sweep analysis (analysis/plot.py; tests/analysis): numpy for the means and confidence
# intervals, matplotlib (Agg backend, headless) to draw PNG and SVG; PyYAML for the
# reproductions, which write their sweep files at another resolution (analysis/reproductions).
PKGS="$PKGS python3-numpy python3-matplotlib python3-yaml"
# Robustness (README.md, "Robustness"): clang and its runtimes (libclang-rt-dev: ASan, UBSan,
# libFuzzer; only recommended by clang, so named here) for the sanitizer and fuzzing build,
# valgrind for the memcheck run.
PKGS="$PKGS clang libclang-rt-dev valgrind"
# `ptsim sweep` on Slurm: tests/sweep/slurm.py starts a one-node cluster on localhost (munged,
# slurmctld, slurmd) and submits the emitted job array and merge job with sbatch.
PKGS="$PKGS slurm-wlm munge"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "ptsim: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "ptsim: need root or sudo to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing
fi
