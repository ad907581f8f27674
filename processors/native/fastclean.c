/*
 * The clean stage's fast path in C (see processors/native/__init__.py).
 *
 * For a block of complete lines, tells which lines are valid records as they
 * stand (printable ASCII, CRLF end, the table's field count, every value valid
 * for its column) and writes those as CSV with every field quoted. Every other
 * line is left to the Python code, which decodes, rejoins, repairs or
 * quarantines it. What this file accepts must be a subset of what
 * processors/schema.py's Column.is_valid accepts; tests compare the two.
 */
#include <stddef.h>
#include <string.h>

enum { K_TEXT = 0, K_INTEGER = 1, K_DECIMAL = 2, K_FLOAT = 3, K_DATE = 4 };

static int digits(const unsigned char *p, const unsigned char *end, int min, int max) {
    int n = 0;
    while (p + n < end && p[n] >= '0' && p[n] <= '9') n++;
    return (p + n == end && n >= min && n <= max) ? n : -1;
}

static int number_ok(const unsigned char *p, const unsigned char *end, int whole, int places) {
    if (p == end) return 1; /* empty: NULL */
    if (*p == '-') p++;
    const unsigned char *dot = p;
    while (dot < end && *dot != '.') dot++;
    if (digits(p, dot, 1, whole) < 0) return 0;
    if (dot == end) return 1;
    if (places == 0) return 0;
    return digits(dot + 1, end, 0, places) >= 0;
}

static int small_int(const unsigned char *p, const unsigned char *end, int lo, int hi) {
    int n = (int)(end - p), v = 0;
    if (n < 1 || n > 2) return 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (p[i] - '0');
    }
    return v >= lo && v <= hi ? v : 0;
}

static int date_ok(const unsigned char *p, const unsigned char *end) {
    static const int month_days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (p == end) return 1;
    const unsigned char *s1 = memchr(p, '/', end - p);
    if (!s1) return 0;
    const unsigned char *s2 = memchr(s1 + 1, '/', end - s1 - 1);
    if (!s2) return 0;
    int month = small_int(p, s1, 1, 12);
    if (!month) return 0;
    /* February 29th is left to Python, which knows leap years. */
    if (!small_int(s1 + 1, s2, 1, month_days[month])) return 0;
    const unsigned char *y = s2 + 1;
    if (end - y < 4) return 0;
    for (int i = 0; i < 4; i++)
        if (y[i] < '0' || y[i] > '9') return 0;
    if (y[0] == '0' && y[1] == '0' && y[2] == '0' && y[3] == '0') return 0;
    if (end - y == 4) return 1;
    return end - y == 16 && memcmp(y + 4, " 12:00:00 AM", 12) == 0;
}

static int field_ok(int kind, int a, int b, const unsigned char *p, const unsigned char *end) {
    switch (kind) {
    case K_TEXT:
        for (const unsigned char *q = p; q < end; q++)
            if (*q < 0x20 || *q > 0x7e) return 0;
        return a < 0 || end - p <= a;
    case K_INTEGER: return number_ok(p, end, 9, 0);
    case K_DECIMAL: return number_ok(p, end, a, b);
    case K_FLOAT: return number_ok(p, end, 15, 15);
    case K_DATE: return date_ok(p, end);
    }
    return 0;
}

/*
 * in[0..n) holds complete lines, each ending in '\n'. For line i:
 *   status[i] = 0 (not valid as it stands), 1 (valid), 2 (valid and equal to the line before)
 *   out_offsets[i] .. out_offsets[i + 1] is its CSV in `out` (empty when status is 0).
 * `out` must hold 4 * n + 16 bytes. Returns the number of lines, or -1 if
 * more than max_lines.
 */
long clean_block(const unsigned char *in, long n, int ncols, const int *kinds, const int *arg_a,
                 const int *arg_b, unsigned char *out, long *out_offsets, unsigned char *status,
                 long max_lines) {
    long line = 0, o = 0;
    const unsigned char *p = in, *end = in + n, *prev = NULL;
    long prev_len = -1;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', end - p);
        if (!nl) break;
        if (line >= max_lines) return -1;
        out_offsets[line] = o;
        const unsigned char *body_end = nl; /* without CR LF */
        int ok = body_end > p && body_end[-1] == '\r';
        if (ok) {
            body_end--;
            ok = body_end > p && body_end[-1] != '\r'; /* an empty line or a stray CR: Python */
        }
        long start_o = o;
        if (ok) {
            const unsigned char *f = p;
            int col = 0;
            out[o++] = '"';
            while (ok) {
                const unsigned char *tab = memchr(f, '\t', body_end - f);
                const unsigned char *fe = tab ? tab : body_end;
                if (col >= ncols || !field_ok(kinds[col], arg_a[col], arg_b[col], f, fe)) {
                    ok = 0;
                    break;
                }
                for (const unsigned char *q = f; q < fe; q++) {
                    if (*q == '"') out[o++] = '"';
                    out[o++] = *q;
                }
                col++;
                if (!tab) break;
                out[o++] = '"';
                out[o++] = ',';
                out[o++] = '"';
                f = tab + 1;
            }
            if (ok && col != ncols) ok = 0;
            if (ok) {
                out[o++] = '"';
                out[o++] = '\n';
            }
        }
        if (!ok) {
            o = start_o;
            status[line] = 0;
            prev = NULL;
        } else {
            long len = body_end - p;
            status[line] = (prev && prev_len == len && memcmp(prev, p, len) == 0) ? 2 : 1;
            prev = p;
            prev_len = len;
        }
        line++;
        p = nl + 1;
    }
    out_offsets[line] = o;
    return line;
}
