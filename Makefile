# gan-eval: the two set-up commands are `make demo` and `make test`; both install what they need.
SWIFT ?= swift
BIN := .build/release/gan-eval
OUT := gan-eval-out/demo

.PHONY: setup build test demo plots bench goldens clean

setup:
	scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product gan-eval

# Unit, golden-parity and end-to-end tests, on the real data fetched by setup. Release mode:
# the t-SNE quality tests run full 1,000-iteration embeddings of 2,000 and 5,000 digits.
TESTFLAGS := -c release -Xswiftc -enable-testing
test: setup
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build

# The main job on the embedded default: train a GAN on the 5,000 real digits and evaluate its samples.
demo: build
	scripts/demo.sh $(BIN) $(OUT)

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

# Side-by-side benchmark against the Python reference stack; writes BENCHMARKS.md.
bench: build
	$(SWIFT) build -c release --product tsne-bench
	$(SWIFT) build -c release --product gemm-bench
	$(SWIFT) build -c release --product setstats-bench
	scripts/setup.sh --python
	bench/run.sh all

# Re-makes the golden files in fixtures/ with numpy, scipy, scikit-image and Pillow.
goldens: setup
	scripts/setup.sh --python
	.venv/bin/python fixtures/make_goldens.py
	.venv/bin/python fixtures/make_tsne_goldens.py
	.venv/bin/pip install --quiet prdc==0.2 vendi-score==0.0.3
	.venv/bin/python fixtures/make_feature_goldens.py
	.venv/bin/python fixtures/make_color_goldens.py
	.venv/bin/python fixtures/make_diversity_goldens.py
	.venv/bin/python fixtures/make_interval_goldens.py

clean:
	rm -rf .build gan-eval-out bench/work
