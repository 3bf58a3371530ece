# Executioner: build, prepare the host, test, run. `make run` and `make test` are the two
# commands a newcomer needs; both install what is missing (conf/setup.sh) and build images.

CC      ?= cc
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ishared -Imaster -Iworkers \
		   -I$(B)/gen \
		   $(shell pkg-config --cflags-only-I libpq 2>/dev/null || echo -I/usr/include/postgresql)
PKGS     = libcurl libcjson libmicrohttpd libconfig sqlite3 libarchive libpq
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
	     echo -lcurl -lcjson -lmicrohttpd -lconfig -lsqlite3 -larchive -lpq) -lm \
	   -lgrpc -lgpr -lprotobuf-c -lpthread
CONF    ?= executioner.conf
B        = build

SHARED_SRC = $(wildcard shared/*.c)
MASTER_SRC = $(filter-out master/main.c,$(wildcard master/*.c))
WORKER_SRC = $(wildcard workers/*.c)
LIB_SRC    = $(SHARED_SRC) $(MASTER_SRC) $(WORKER_SRC)
HELPER_SRC = $(wildcard workers/helper/helper_*.c) shared/wire.c shared/buf.c shared/relpath.c
UNIT_SRC   = $(wildcard tests/unit/test_*.c)

# The gRPC API's messages (protobuf-c), generated from shared/proto/ into $(B)/gen.
PROTO      = $(wildcard shared/proto/*.proto)
PROTO_H    = $(PROTO:shared/proto/%.proto=$(B)/gen/%.pb-c.h)
PROTO_OBJ  = $(PROTO:shared/proto/%.proto=$(B)/obj/gen/%.pb-c.o)
LIB_OBJ    = $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/web_assets.o $(B)/obj/gen/openapi_json.o \
	     $(B)/obj/gen/pg_migrations.o $(PROTO_OBJ)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/%)

.PHONY: all deps engine images run test unit integration lint asan bench clean prepare \
	check-config fuzz unit-bins soak
all: $(B)/executioner $(B)/executioner-helper $(UNIT_BIN)

$(B)/obj/%.o: %.c $(wildcard shared/*.h master/*.h workers/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: shared/proto/%.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -Ishared/proto $<
$(B)/obj/gen/%.pb-c.o: $(B)/gen/%.pb-c.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(patsubst %.c,$(B)/obj/%.o,$(wildcard master/grpc_*.c)): $(PROTO_H)
$(B)/test_grpc_conv: $(PROTO_H)

# GET /openapi.json serves master/openapi.json as built in (v1.c): a C array made by xxd -i.
$(B)/gen/openapi_json.c: master/openapi.json
	@mkdir -p $(dir $@)
	(cd master && xxd -i openapi.json) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/openapi_json.o: $(B)/gen/openapi_json.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The PostgreSQL store's schema (store_pg.c): shared/migrations/pg/NNNN_name.sql, built in.
PG_MIGRATIONS = $(sort $(wildcard shared/migrations/pg/*.sql))
$(B)/gen/pg_migrations.c: $(PG_MIGRATIONS) shared/migrations/embed.py
	@mkdir -p $(dir $@)
	python3 shared/migrations/embed.py store_pg_migrations $@ $(PG_MIGRATIONS)

$(B)/obj/gen/pg_migrations.o: $(B)/gen/pg_migrations.c shared/store_migrations.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/executioner: $(B)/obj/master/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The page at / (master/web/): npm ci when the lockfile changed, esbuild into build/web/, then
# embed.py turns that into C (names, types, bytes, gzip copies, hashes) linked into the binary.
WEB       = master/web
WEB_SRC   = $(wildcard $(WEB)/src/*) $(WEB)/build.mjs $(WEB)/package.json
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	@command -v npm >/dev/null || conf/setup.sh deps
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
$(B)/web/.built: $(WEB_SRC) $(WEB)/node_modules/.package-lock.json
	node $(WEB)/build.mjs $(B)/web
	@touch $@
$(B)/gen/web_assets.c: $(B)/web/.built $(WEB)/embed.py
	python3 $(WEB)/embed.py $(B)/web $@
$(B)/obj/gen/web_assets.o: $(B)/gen/web_assets.c master/web.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The in-container helper: static, no libraries beyond libc, copied into every image.
$(B)/executioner-helper: $(HELPER_SRC) shared/wire.h shared/buf.h shared/clock.h shared/version.h \
			shared/relpath.h \
			$(wildcard workers/helper/*.h)
	@mkdir -p $(B)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ishared -O2 -static -o $@ $(HELPER_SRC)

$(B)/test_%: tests/unit/test_%.c tests/unit/fake_engine.c tests/unit/fake_engine.h \
		tests/unit/request_check.h tests/unit/conf_fixture.h $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) -lcmocka -lpthread

deps:
	@conf/setup.sh deps
engine:
	@conf/setup.sh engine

# Builds only the images that are missing or whose Dockerfile or helper changed.
images: $(B)/executioner $(B)/executioner-helper engine
	@$(B)/executioner -c $(CONF) --list-images | conf/images.sh $(B)/executioner-helper

prepare: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory images

run: prepare
	$(B)/executioner -c $(CONF)

check-config: $(B)/executioner
	$(B)/executioner -c $(CONF) --check-config

$(B)/test_helper: tests/unit/helper_harness.c tests/unit/helper_harness.h | $(B)/executioner-helper
$(B)/test_helper_files: tests/unit/helper_harness.c tests/unit/helper_harness.h | \
			$(B)/executioner-helper

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

# INTEGRATION_ARGS: more tests/integration/run.py options, e.g. "-k test_api --shuffle 7"
integration: all
	@python3 tests/integration/run.py --binary $(B)/executioner --config $(CONF) $(INTEGRATION_ARGS)

# No line of the C sources wider than 100 columns (tabs 8 wide; see .clang-format).
lint:
	@tests/lint.sh

# The whole suite: preparation, unit tests, the line-length lint, a fuzz smoke run (clang), then
# the integration tests against the real engine; the last line is "Summary: N passed, N failed".
test: prepare
	@INTEGRATION_ARGS="$(INTEGRATION_ARGS)" tests/run-all.sh $(B)/executioner $(CONF) $(UNIT_BIN)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, in a separate build tree.
asan:
	@$(MAKE) --no-print-directory B=build-asan unit-bins CFLAGS="-O1 -g \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
	@ASAN_OPTIONS=detect_leaks=1 tests/run-unit.sh $(patsubst $(B)/%,build-asan/%,$(UNIT_BIN))

unit-bins: $(UNIT_BIN)

# libFuzzer targets (clang): the request validator and the wire/stream decoders.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -Ishared -Imaster -Iworkers -g -O1 \
	     -fsanitize=fuzzer,address,undefined
build/fuzz/fuzz_request: tests/fuzz/fuzz_request.c master/request.c master/files.c shared/config.c \
			 shared/config_lang.c \
			 shared/seccomp_profile.c shared/jsonutil.c shared/buf.c shared/log.c \
			 shared/relpath.c shared/b64.c shared/store_url.c shared/cbdest.c \
			 master/problem_pkg.c
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ $^ -lcjson -lconfig -lcurl -larchive -lm
# no libcurl: the demultiplexer is docker_demux.c; session.c's engine calls are stubbed out
build/fuzz/fuzz_wire: tests/fuzz/fuzz_wire.c tests/fuzz/engine_stubs.c workers/session.c \
		workers/outfiles.c workers/reuse.c shared/b64.c shared/jsonutil.c \
		shared/docker_demux.c shared/wire.c shared/buf.c shared/log.c
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ $^ -lcjson -lm
fuzz: build/fuzz/fuzz_request build/fuzz/fuzz_wire
	@for t in fuzz_request fuzz_wire; do mkdir -p build/fuzz/corpus-$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    build/fuzz/corpus-$$t tests/fuzz/seeds 2>&1 | tail -n 12 || exit 1; done

bench: prepare
	@python3 bench/bench.py --binary $(B)/executioner --config $(CONF)

# A bounded steady load (SOAK_MINUTES, default 10) with leak checks; not part of make test.
SOAK_MINUTES ?= 10
soak: prepare
	@python3 bench/soak.py --binary $(B)/executioner --config $(CONF) --minutes $(SOAK_MINUTES)

clean:
	rm -rf build build-asan
