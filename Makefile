# claude-session-lock — GNU Make build.
#
#   make              build the five programs into bin/
#   make test         the offline suite (unit, contract, quick stress/fuzz slices)
#   make test-young   the contract suite with CLOCK_BOOTTIME near zero (unshare)
#   make test-asan    the same suite under AddressSanitizer + UBSan
#   make stress       the long reliability suite       make fuzz   libFuzzer targets
#   make bench        start-up and throughput figures  make e2e    the real clients
#   make bench-client a hook's cost as the client sees it (exec vs shell form)
#   make install      PREFIX=/usr/local DESTDIR=        make clean
#
# Sources are found by wildcard: a new core/*.c, cli/*.c or tests/unit/test_*.c
# is picked up without editing this file.

VERSION   := 1.0.0
PREFIX    ?= /usr/local
DESTDIR   ?=

CC        ?= cc
CFLAGS    ?= -O2 -g
# Warnings are errors in CI (CI=true is set there) and whenever WERROR=1.
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WERRFLAG  := -Werror
endif
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wwrite-strings -Wcast-qual -Wpointer-arith -Wundef \
             -Wvla -Wold-style-definition -Wno-format-nonliteral
CPPFLAGS  += -D_GNU_SOURCE -DSESSION_LOCK_VERSION='"$(VERSION)"' -Icore \
             $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson)
ALL_CFLAGS = -std=c11 $(WARN) $(WERRFLAG) $(CFLAGS) $(EXTRA_CFLAGS)

# Start-up time is the product's speed: link the archives Debian ships
# (nettle, PCRE2) statically, and only what has no archive (cJSON) dynamically.
comma     := ,
static_or_dyn = $(if $(filter /%,$(shell $(CC) -print-file-name=lib$(1).a)),-Wl$(comma)-Bstatic -l$(1) -Wl$(comma)-Bdynamic,-l$(1))
LDLIBS    := -Wl,--as-needed -lcjson $(call static_or_dyn,pcre2-8) $(call static_or_dyn,nettle)
LDFLAGS   += -Wl,-O1 $(EXTRA_LDFLAGS)

# Output directories; test-asan re-runs this Makefile with other ones.
BIN       ?= bin
OBJ       ?= build/obj
TOBJ      ?= build/test

HOOKS     := pretooluse-lock posttooluse-refresh stop-release session-start
PROGRAMS  := $(HOOKS) session-lock
CORE_SRC  := $(sort $(wildcard core/*.c))
CLI_SRC   := $(sort $(wildcard cli/*.c))
CORE_HDR  := $(wildcard core/*.h)
CLI_HDR   := $(wildcard cli/*.h)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ  := $(CORE_SRC:core/%.c=$(OBJ)/core/%.o)
CLI_OBJ   := $(CLI_SRC:cli/%.c=$(OBJ)/cli/%.o)
LIB       := $(OBJ)/libsessionlock.a

# The test variant of the core is compiled with SESSION_LOCK_TESTING, which
# turns on environment-driven fault injection in core/sys.c (crash at a step,
# fail a system call, pause at a step). Production binaries never have it.
TCORE_OBJ := $(CORE_SRC:core/%.c=$(TOBJ)/core/%.o)
TCLI_OBJ  := $(CLI_SRC:cli/%.c=$(TOBJ)/cli/%.o)
TLIB      := $(TOBJ)/libsessionlock-test.a
# The command line's modules without its main(), for the unit tests of the
# ones that serve only the command line (settings).
TCLILIB   := $(TOBJ)/libsessionlock-cli-test.a
TBIN      := $(TOBJ)/bin
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(TOBJ)/unit/%)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)

.PHONY: all deps test test-build test-young test-asan stress fuzz bench bench-client e2e install uninstall clean
.DELETE_ON_ERROR:

all: $(PROGRAMS:%=$(BIN)/%)

$(OBJ)/core/%.o: core/%.c $(CORE_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<
$(OBJ)/cli/%.o: cli/%.c $(CORE_HDR) $(CLI_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Icli -c -o $@ $<
$(OBJ)/hooks/%.o: hooks/%.c $(CORE_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<
$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(BIN)/session-lock: $(CLI_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)
$(BIN)/%: $(OBJ)/hooks/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# --- the test variant -------------------------------------------------------
TEST_CPPFLAGS = $(CPPFLAGS) -DSESSION_LOCK_TESTING
$(TOBJ)/core/%.o: core/%.c $(CORE_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<
$(TOBJ)/cli/%.o: cli/%.c $(CORE_HDR) $(CLI_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) -Icli -c -o $@ $<
$(TOBJ)/hooks/%.o: hooks/%.c $(CORE_HDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<
$(TLIB): $(TCORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(TCLILIB): $(filter-out $(TOBJ)/cli/session-lock.o,$(TCLI_OBJ))
	@rm -f $@
	$(AR) rcs $@ $^
$(TBIN)/session-lock: $(TCLI_OBJ) $(TLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TCLI_OBJ) $(TLIB) $(LDLIBS)
$(TBIN)/%: $(TOBJ)/hooks/%.o $(TLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TLIB) $(LDLIBS)
$(TOBJ)/unit/%: tests/unit/%.c $(TCLILIB) $(TLIB) $(CORE_HDR) $(CLI_HDR) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -Icli -o $@ $< $(TCLILIB) $(TLIB) $(LDLIBS) $(CHECK_LIBS)
# Small C helpers the shell tests drive (barriers, counters, fault drivers).
# tests/tools/tool.c is not a program: what they share (tool.h). classify_rows
# prints rows of the unit test's table (tests/unit/classify_table.h).
TOOL_SRC  := $(sort $(filter-out tests/tools/tool.c,$(wildcard tests/tools/*.c)))
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(TOBJ)/tools/%)
$(TOBJ)/tools/%: tests/tools/%.c tests/tools/tool.c tests/tools/tool.h tests/unit/classify_table.h $(TLIB) $(CORE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< tests/tools/tool.c $(TLIB) $(LDLIBS)

TEST_ENV = SL_BIN=$(abspath $(BIN)) SL_TBIN=$(abspath $(TBIN)) \
           SL_UNIT=$(abspath $(TOBJ)/unit) SL_TOOLS=$(abspath $(TOBJ)/tools) \
           SL_ROOT=$(CURDIR)
test-build: all $(PROGRAMS:%=$(TBIN)/%) $(UNIT_BIN) $(TOOL_BIN)
# The first command on a new machine may be `make test`: install what is
# missing (apt-get, once; nothing when all is there), then build in a
# sub-make, which reads the pkg-config flags afresh.
deps:
	@bash install.sh --deps-only --for-tests
test: deps
	@$(MAKE) --no-print-directory test-build
	@$(TEST_ENV) bash tests/run.sh $(SUITES)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# The contract suite again on a boot clock that starts near zero (a time
# namespace; skipped loudly where the kernel or the user cannot make one).
test-young: deps
	@$(MAKE) --no-print-directory test-build
	@$(TEST_ENV) bash tests/run.sh contract-young

test-asan:
	$(MAKE) BIN=build/asan/bin OBJ=build/asan/obj TOBJ=build/asan/test \
	    EXTRA_CFLAGS="$(SAN)" EXTRA_LDFLAGS="$(SAN)" CFLAGS="-O1 -g" \
	    SL_SANITIZED=1 test

stress: test-build
	@$(TEST_ENV) SL_STRESS=full bash tests/run.sh stress

fuzz:
	@bash tests/fuzz/run.sh

bench: all
	@SL_BIN=$(abspath $(BIN)) SL_ROOT=$(CURDIR) bash bench/run.sh

# A hook's cost as the real client sees it, in the exec and the shell form.
bench-client: all
	@SL_BIN=$(abspath $(BIN)) bash bench/client.sh

e2e: all
	@SL_BIN=$(abspath $(BIN)) SL_ROOT=$(CURDIR) bash tests/e2e/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGRAMS:%=$(BIN)/%) $(DESTDIR)$(PREFIX)/bin/
uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(PREFIX)/bin/%)

clean:
	rm -rf build bin
