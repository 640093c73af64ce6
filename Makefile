# gan-eval: the two set-up commands are `make demo` and `make test`; both install what they need.
SWIFT ?= swift
BIN := .build/release/gan-eval
# Release builds use the build machine's AVX2 and FMA units when it has them (Haswell, 2013, and
# later): SIMD4<Double> loops such as the exact t-SNE gradient then run in one 256-bit register
# instead of two SSE2 halves (exact t-SNE on 2,000 digits: 25% less CPU time). Results are
# bit-identical either way, as Swift never fuses a multiply and an add on its own; `make
# CPUFLAGS=` builds for any x86-64. Every release build below adds the same flags, so a build
# with them and one without never replace each other's objects.
CPUFLAGS ?= $(if $(shell for f in avx2 fma bmi2 movbe f16c; do grep -qw $$f /proc/cpuinfo 2>/dev/null || exit 1; done && echo yes),-Xswiftc -target-cpu -Xswiftc haswell)
OUT := gan-eval-out/demo

.PHONY: setup build test demo demo-color plots bench goldens clean fuzz fuzz-smoke tsan asan cluster-test

setup:
	scripts/setup.sh

build: setup
	$(SWIFT) build -c release $(CPUFLAGS) --product gan-eval

# Unit, golden-parity and end-to-end tests, on the real data fetched by setup. Release mode:
# the t-SNE quality tests run full 1,000-iteration embeddings of 2,000 and 5,000 digits.
# Then the fuzz smoke (fuzz/README.md): the seed corpus, fuzz/regressions and 30,000 seeded
# executions per parser (at most 60 s each), the same run every time; FUZZ_SMOKE=0 leaves it out.
# Its per-input limit is 10 s of wall clock, not 2: on a loaded machine a 0.3 s input can take 2 s.
TESTFLAGS := -c release -Xswiftc -enable-testing $(CPUFLAGS)
FUZZ_SMOKE ?= 1
test: setup
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build
	@if [ "$(FUZZ_SMOKE)" != 0 ]; then fuzz/run.sh build && FUZZ_TIMEOUT=10 FUZZ_SEED=1 fuzz/run.sh run all 60 30000; fi

# libFuzzer on every parser (fuzz/README.md): FUZZ_SECONDS per target, or FUZZ_RUNS executions
# when set (FUZZ_SECONDS then caps it). Crashes land in fuzz/.work/crash-<target>-*.
FUZZ_SECONDS ?= 600
FUZZ_RUNS ?=
fuzz: setup
	fuzz/run.sh build
	fuzz/run.sh run all $(FUZZ_SECONDS) $(FUZZ_RUNS)

# About 20 s per target: replays the seed corpus and fuzz/regressions, then fuzzes briefly.
fuzz-smoke: setup
	fuzz/run.sh build
	FUZZ_TIMEOUT=10 fuzz/run.sh run all 20

# The whole suite under ThreadSanitizer / AddressSanitizer (release code, own build directory).
# Slow: run once per issue and before a release, not on every change. Under asan every gan-eval
# the end-to-end tests run is leak-checked at exit (scripts/lsan.supp says what is suppressed and
# why); the XCTest host is not: XCTest keeps every test-case instance, and what its properties
# hold, until exit, behind pointers whose spare bits LeakSanitizer's scan cannot see through.
SANFLAGS := -c release -Xswiftc -enable-testing
tsan: setup
	$(SWIFT) build $(SANFLAGS) --build-tests --sanitize=thread --scratch-path .build/tsan
	TSAN_OPTIONS="second_deadlock_stack=1" $(SWIFT) test $(SANFLAGS) --skip-build --sanitize=thread --scratch-path .build/tsan $(if $(FILTER),--filter "$(FILTER)")
asan: setup
	$(SWIFT) build $(SANFLAGS) --build-tests --sanitize=address --scratch-path .build/asan
	ASAN_OPTIONS="detect_leaks=0" GAN_EVAL_CHILD_ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$(CURDIR)/scripts/lsan.supp:print_suppressions=0" $(SWIFT) test $(SANFLAGS) --skip-build --sanitize=address --scratch-path .build/asan $(if $(FILTER),--filter "$(FILTER)")

# examples/slurm on a throw-away one-node Slurm cluster on localhost: installs slurm-wlm and munge
# if missing, runs the 4-task stats array over 60,000 Fashion-MNIST images, the merge and fid,
# checks the merge equals one pass, and stops the daemons (examples/slurm/README.md).
cluster-test: build
	examples/slurm/cluster-test.sh $(BIN)

# The main job on the embedded default: train a GAN on the 5,000 real digits and evaluate its samples.
demo: build
	scripts/demo.sh $(BIN) $(OUT)

# The colour study (pipelines/color.yaml) on Colored-MNIST, made from the same digits on first use.
COLOR_OUT := gan-eval-out/color
demo-color: build
	scripts/demo-color.sh $(BIN) $(COLOR_OUT)

# Regenerates the SVG gallery in plots/ from the demo run.
plots: demo
	cp $(OUT)/evaluate/entropy/entropy.svg plots/entropy.svg
	cp $(OUT)/evaluate/histogram/histogram.svg plots/histogram.svg
	cp $(OUT)/evaluate/tsne/tsne_by_set.svg plots/tsne_by_set.svg
	cp $(OUT)/evaluate/tsne/tsne_by_class.svg plots/tsne_by_class.svg
	cp $(OUT)/evaluate/tsne-2/tsne3d_by_class.svg plots/tsne3d_by_class.svg
	cp $(OUT)/evaluate/tsne-3/tsne_by_set.svg plots/tsne_class5.svg
	cp $(OUT)/judge/training.svg plots/classifier_training.svg
	cp $(OUT)/evaluate/classify/confusion.svg plots/confusion.svg
	cp $(OUT)/evaluate/classify/class_distribution.svg plots/class_distribution.svg
	cp $(OUT)/evaluate/fid/memorisation.svg plots/memorisation.svg
	cp $(OUT)/gan/losses.svg plots/gan_losses.svg
	cp $(OUT)/gan/samples/epoch-200.svg plots/gan_samples.svg
	cp $(OUT)/evaluate/fid-2/memorisation.svg plots/memorisation_memorizer.svg
	cp $(OUT)/evaluate/sharpness/sharpness.svg plots/sharpness.svg
	cp $(OUT)/evaluate/tsne-5/tsne_placed.svg plots/tsne_placed_generated.svg
	cp $(OUT)/gan/quality.svg plots/gan_quality.svg
	cp $(OUT)/evaluate/fid/size_extrapolation.svg plots/size_extrapolation.svg
	cp $(OUT)/evaluate/fid/rarity.svg plots/rarity.svg

# Side-by-side benchmark against the Python reference stack; writes BENCHMARKS.md.
bench: build
	$(SWIFT) build -c release $(CPUFLAGS) --product tsne-bench
	$(SWIFT) build -c release $(CPUFLAGS) --product gemm-bench
	$(SWIFT) build -c release $(CPUFLAGS) --product setstats-bench
	scripts/setup.sh --python
	bench/run.sh all

# Re-makes the golden files in fixtures/ with numpy, scipy, scikit-image and Pillow.
goldens: setup
	scripts/setup.sh --python
	.venv/bin/python fixtures/make_goldens.py
	.venv/bin/python fixtures/make_tsne_goldens.py
	.venv/bin/python fixtures/make_tsne_more_goldens.py
	.venv/bin/python fixtures/make_pca_golden.py
	.venv/bin/pip install --quiet prdc==0.2 vendi-score==0.0.3
	.venv/bin/python fixtures/make_feature_goldens.py
	.venv/bin/python fixtures/make_color_goldens.py
	.venv/bin/python fixtures/make_diversity_goldens.py
	.venv/bin/python fixtures/make_interval_goldens.py

clean:
	rm -rf .build gan-eval-out bench/work fuzz/.build fuzz/.work
