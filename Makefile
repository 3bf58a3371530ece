# Executioner: build, prepare the host, test, run. `make run` and `make test` are the two
# commands a newcomer needs; both install what is missing (conf/setup.sh) and build images.

CC      ?= cc
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ishared -Imaster -Iworkers
PKGS     = libcurl libcjson libmicrohttpd libconfig
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcurl -lcjson -lmicrohttpd -lconfig) -lm
CONF    ?= executioner.conf
B        = build

SHARED_SRC = $(wildcard shared/*.c)
MASTER_SRC = $(filter-out master/main.c,$(wildcard master/*.c))
WORKER_SRC = $(wildcard workers/*.c)
LIB_SRC    = $(SHARED_SRC) $(MASTER_SRC) $(WORKER_SRC)
HELPER_SRC = workers/helper/helper.c workers/helper/step.c workers/helper/procs.c shared/wire.c shared/buf.c
UNIT_SRC   = $(wildcard tests/unit/test_*.c)

LIB_OBJ    = $(LIB_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/%)

.PHONY: all deps engine images run test unit integration asan bench clean prepare check-config
all: $(B)/executioner $(B)/executioner-helper $(UNIT_BIN)

$(B)/obj/%.o: %.c $(wildcard shared/*.h master/*.h workers/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/executioner: $(B)/obj/master/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The in-container helper: static, no libraries beyond libc, copied into every image.
$(B)/executioner-helper: $(HELPER_SRC) shared/wire.h shared/buf.h $(wildcard workers/helper/*.h)
	@mkdir -p $(B)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ishared -O2 -static -o $@ $(HELPER_SRC)

$(B)/test_%: tests/unit/test_%.c tests/unit/fake_engine.c tests/unit/fake_engine.h $(LIB_OBJ)
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

$(B)/test_helper: | $(B)/executioner-helper

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

integration: all
	@python3 tests/integration/run.py --binary $(B)/executioner --config $(CONF)

# The whole suite: preparation, unit tests, then the integration tests against the real engine.
test: prepare
	@tests/run-all.sh $(B)/executioner $(CONF) $(UNIT_BIN)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, in a separate build tree.
asan:
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" unit-bins
	@ASAN_OPTIONS=detect_leaks=1 tests/run-unit.sh $(patsubst $(B)/%,build-asan/%,$(UNIT_BIN))

unit-bins: $(UNIT_BIN)

bench: prepare
	@python3 bench/bench.py --binary $(B)/executioner --config $(CONF)

clean:
	rm -rf build build-asan
