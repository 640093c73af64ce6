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

# The main job on the embedded default: the 5,000 real digits against a degraded (blurred) copy.
demo: build
	scripts/demo.sh $(BIN) $(OUT)

# Regenerates the SVG gallery in plots/ from the demo run.
plots: demo
	cp $(OUT)/entropy/entropy.svg plots/entropy.svg
	cp $(OUT)/histogram/histogram.svg plots/histogram.svg
	cp $(OUT)/tsne/tsne_by_set.svg plots/tsne_by_set.svg
	cp $(OUT)/tsne/tsne_by_class.svg plots/tsne_by_class.svg
	cp $(OUT)/tsne3d/tsne3d_by_class.svg plots/tsne3d_by_class.svg
	cp $(OUT)/tsne-class5/tsne_by_set.svg plots/tsne_class5.svg
	cp $(OUT)/classifier/training.svg plots/classifier_training.svg
	cp $(OUT)/classify/confusion.svg plots/confusion.svg
	cp $(OUT)/fid/memorisation.svg plots/memorisation.svg

# Side-by-side benchmark against the Python reference stack; writes BENCHMARKS.md.
bench: build
	$(SWIFT) build -c release --product tsne-bench
	scripts/setup.sh --python
	bench/run.sh all

# Re-makes the golden files in fixtures/ with numpy, scipy, scikit-image and Pillow.
goldens: setup
	scripts/setup.sh --python
	.venv/bin/python fixtures/make_goldens.py
	.venv/bin/python fixtures/make_tsne_goldens.py
	.venv/bin/python fixtures/make_feature_goldens.py

clean:
	rm -rf .build gan-eval-out bench/work
