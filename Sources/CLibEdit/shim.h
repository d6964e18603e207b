#ifndef FERRY_CLIBEDIT_SHIM_H
#define FERRY_CLIBEDIT_SHIM_H

// libedit's el_set, el_get and history take variable arguments, which Swift cannot call; these
// wrappers give each use Ferry makes of them a fixed signature.

#include <histedit.h>
#include <stddef.h>
#include <stdio.h>

typedef unsigned char (*ferry_el_command)(EditLine *, int);
typedef char *(*ferry_el_prompt)(EditLine *);
typedef int (*ferry_el_read)(EditLine *, wchar_t *);

static inline int ferry_el_set_prompt(EditLine *el, ferry_el_prompt prompt) {
    return el_set(el, EL_PROMPT, prompt);
}

static inline int ferry_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }

static inline int ferry_el_add_function(EditLine *el, const char *name, const char *help, ferry_el_command fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

static inline int ferry_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, NULL);
}

static inline int ferry_el_setty(EditLine *el, const char *first, const char *second) {
    return el_set(el, EL_SETTY, first, second, NULL);
}

static inline int ferry_el_set_history(EditLine *el, History *hist) {
    return el_set(el, EL_HIST, history, hist);
}

static inline int ferry_el_set_client_data(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }

static inline void *ferry_el_client_data(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

static inline int ferry_el_set_read_function(EditLine *el, ferry_el_read fn) { return el_set(el, EL_GETCFN, fn); }

static inline int ferry_el_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }

static inline int ferry_history_set_size(History *hist, int size) {
    HistEvent event;
    return history(hist, &event, H_SETSIZE, size);
}

static inline int ferry_history_set_unique(History *hist, int unique) {
    HistEvent event;
    return history(hist, &event, H_SETUNIQUE, unique);
}

static inline int ferry_history_enter(History *hist, const char *line) {
    HistEvent event;
    return history(hist, &event, H_ENTER, line);
}

static inline int ferry_history_load(History *hist, const char *path) {
    HistEvent event;
    return history(hist, &event, H_LOAD, path);
}

static inline int ferry_history_save(History *hist, FILE *file) {
    HistEvent event;
    return history(hist, &event, H_SAVE_FP, file);
}

// The C library's standard streams, which Swift 6 sees as shared mutable globals.
static inline FILE *ferry_stdin(void) { return stdin; }
static inline FILE *ferry_stdout(void) { return stdout; }
static inline FILE *ferry_stderr(void) { return stderr; }

enum {
    FERRY_CC_NORM = CC_NORM,
    FERRY_CC_NEWLINE = CC_NEWLINE,
    FERRY_CC_EOF = CC_EOF,
    FERRY_CC_ARGHACK = CC_ARGHACK,
    FERRY_CC_REFRESH = CC_REFRESH,
    FERRY_CC_CURSOR = CC_CURSOR,
    FERRY_CC_ERROR = CC_ERROR,
    FERRY_CC_FATAL = CC_FATAL,
    FERRY_CC_REDISPLAY = CC_REDISPLAY,
    FERRY_CC_REFRESH_BEEP = CC_REFRESH_BEEP,
};

#endif
