# Haechi — one command each: `make demo`, `make test`, `make bench`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
ENV := source scripts/env.sh &&

.PHONY: bootstrap demo test test-python test-frontend test-e2e bench lint stop services seed clean

bootstrap:
	scripts/bootstrap.sh

services:
	scripts/services.sh start

demo: bootstrap
	$(ENV) scripts/demo.sh

test: bootstrap lint
	$(ENV) scripts/test.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

bench: bootstrap
	$(ENV) $(PY) -m bench

stop:
	scripts/services.sh stop

clean: stop
	rm -rf .var frontend/dist
