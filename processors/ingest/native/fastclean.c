/*
 * The clean stage's fast path in C (see processors/native/__init__.py).
 *
 * For a block of complete lines, decides the lines that make a record on
 * their own with the table's field count and every value valid, and writes
 * those as CSV (every field quoted, UTF-8). That covers printable ASCII
 * lines and also the common dirt that needs no look at other lines: fields
 * to decode (UTF-8, else Windows-1252), control bytes to map back, flag
 * letters in integer columns (kept, counted for the load to convert), stray
 * CRs before the line end, and blank lines.
 * Every other line (too few or too many fields, an invalid value, a CR inside
 * a value, a line without CR) is left to the Python code, which rejoins,
 * repairs or quarantines it. The rules are those of processors/decode.py and
 * processors/clean_records.py (docs/cleaning.md); what this file accepts must
 * be a subset of what they accept, written identically, and tests compare
 * the two paths byte for byte.
 */
#include <stddef.h>
#include <string.h>

enum { K_TEXT = 0, K_INTEGER = 1, K_DECIMAL = 2, K_FLOAT = 3, K_DATE = 4 };

/* Counts of value fixes, in the order clean_records.py's _NATIVE_FIXES names them. */
enum { FIX_WINDOWS_1252, FIX_NUL_SUB, FIX_UTF16_APOSTROPHE, FIX_LOST_HIGH_BIT, FIX_FLAG, FIX_TRAILING_CR, NFIX };

enum { S_INVALID = 0, S_VALID = 1, S_DUPLICATE = 2, S_BLANK = 3 };

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

/* Is p..end a valid value of a typed column (ASCII; the text case is handled by the callers). */
static int typed_ok(int kind, int a, int b, const unsigned char *p, const unsigned char *end) {
    switch (kind) {
    case K_INTEGER: return number_ok(p, end, 9, 0);
    case K_DECIMAL: return number_ok(p, end, a, b);
    case K_FLOAT: return number_ok(p, end, 15, 15);
    case K_DATE: return date_ok(p, end);
    }
    return 0;
}

/* The length of the valid UTF-8 sequence at p (1-4), or 0 (strict, as Python's decoder). */
static int utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    long left = end - p;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (p[2] & 0xC0) != 0x80) return 0;
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

static int is_utf8(const unsigned char *p, const unsigned char *end) {
    while (p < end) {
        int n = utf8_sequence(p, end);
        if (!n) return 0;
        p += n;
    }
    return 1;
}

static long put_utf8(unsigned char *out, int cp) {
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (unsigned char)(0xE0 | (cp >> 12)); /* Windows-1252 stays in the BMP */
    out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
}

/*
 * Writes the field f..fe decoded (docs/cleaning.md) at out, quotes doubled.
 * Returns the bytes written and sets *chars to the characters, or returns -1
 * when the field holds a CR (a value with a CR is left to Python).
 */
static long decode_field(const unsigned char *f, const unsigned char *fe, const int *cp1252, unsigned char *out,
                         long *chars, long *fix) {
    int utf8 = is_utf8(f, fe);
    long o = 0, n = 0;
    if (!utf8) fix[FIX_WINDOWS_1252]++;
    for (const unsigned char *q = f; q < fe;) {
        unsigned char c = *q;
        if (c >= 0x80) {
            if (utf8) {
                int len = utf8_sequence(q, fe);
                memcpy(out + o, q, len);
                o += len;
                q += len;
            } else {
                o += put_utf8(out + o, cp1252[c]);
                q++;
            }
        } else if (c == 0x00 && q + 1 < fe && q[1] == 0x19) {
            o += put_utf8(out + o, 0x2019);
            fix[FIX_UTF16_APOSTROPHE]++;
            q += 2;
        } else if (c == 0x00 || c == 0x1A) {
            fix[FIX_NUL_SUB]++;
            q++;
            continue; /* removed: no character */
        } else if (c >= 0x11 && c <= 0x19) {
            o += put_utf8(out + o, cp1252[c + 0x80]);
            fix[FIX_LOST_HIGH_BIT]++;
            q++;
        } else if (c == '\r') {
            return -1;
        } else {
            if (c == '"') out[o++] = '"';
            out[o++] = c;
            q++;
        }
        n++;
    }
    *chars = n;
    return o;
}

/* Byte classes of the copy loop: a tab ends a field; anything but printable ASCII needs decoding. */
enum { C_PLAIN = 0, C_QUOTE = 1, C_DECODE = 2, C_TAB = 4 };
static unsigned char byte_class[256];

static void byte_classes_init(void) {
    if (byte_class['\t'] == C_TAB) return;
    for (int c = 0; c < 256; c++) byte_class[c] = (c < 0x20 || c > 0x7E) ? C_DECODE : C_PLAIN;
    byte_class['"'] = C_QUOTE;
    byte_class['\t'] = C_TAB;
}

/* Writes the record body..body_end as CSV at out; returns the bytes written or -1 if it is not valid as it stands. */
static long write_record(const unsigned char *p, const unsigned char *body_end, int ncols, const int *kinds,
                         const int *arg_a, const int *arg_b, const int *cp1252, const int *flags, unsigned char *out,
                         long *fix) {
    long o = 0;
    int col = 0;
    const unsigned char *f = p;
    out[o++] = '"';
    for (;;) {
        if (col >= ncols) return -1;
        /* One pass finds the field's end and copies it, which is all a printable ASCII value needs. */
        long start = o, chars;
        unsigned char seen = 0;
        const unsigned char *fe = f;
        while (fe < body_end) {
            unsigned char k = byte_class[*fe];
            if (k == C_TAB) break;
            seen |= k;
            out[o++] = *fe++;
        }
        chars = fe - f;
        if (seen) {
            o = start;
            if (seen & C_DECODE) {
                long n = decode_field(f, fe, cp1252, out + o, &chars, fix);
                if (n < 0) return -1;
                o += n;
            } else {
                for (const unsigned char *q = f; q < fe; q++) {
                    if (*q == '"') out[o++] = '"';
                    out[o++] = *q;
                }
            }
        }
        int kind = kinds[col], a = arg_a[col];
        if (kind == K_TEXT) {
            if (a >= 0 && chars > a) return -1;
        } else if (!typed_ok(kind, a, arg_b[col], out + start, out + o)) {
            /* A flag letter in an integer column (Y/N/X...) is kept as written and counted: the load converts it. */
            if (kind == K_INTEGER && o - start == 1 && out[start] < 0x80 && flags[out[start]] >= 0) {
                fix[FIX_FLAG]++;
            } else {
                return -1;
            }
        }
        col++;
        if (fe == body_end) break;
        out[o++] = '"';
        out[o++] = ',';
        out[o++] = '"';
        f = fe + 1;
    }
    if (col != ncols) return -1;
    out[o++] = '"';
    out[o++] = '\n';
    return o;
}

/*
 * in[0..n) holds complete lines, each ending in '\n'. For line i:
 *   status[i]: S_INVALID (left to Python), S_VALID, S_DUPLICATE (valid and
 *     equal to the valid line before it, blank lines aside) or S_BLANK;
 *   out_offsets[i] .. out_offsets[i + 1] is its CSV in `out` (empty unless valid);
 *   in_offsets[i] is where it starts in `in` (in_offsets[lines]: where the next would);
 *   fixes[(i + 1) * NFIX + k] is the running count of fix k over lines 0..i
 *     (valid lines only), so a run's counts are two subtractions away.
 * cp1252[b] is the code point of byte b in Windows-1252 (holes filled);
 * flags[c] is the integer a flag letter c stands for, or -1.
 * `out` must hold 4 * n + 16 bytes, `fixes` (max_lines + 1) * NFIX. Returns
 * the number of lines, or -1 if more than max_lines.
 */
long clean_block(const unsigned char *in, long n, int ncols, const int *kinds, const int *arg_a, const int *arg_b,
                 const int *cp1252, const int *flags, unsigned char *out, long *out_offsets, long *in_offsets,
                 unsigned char *status, int *fixes, long max_lines) {
    long line = 0, o = 0, prev_o = -1, prev_len = 0;
    const unsigned char *p = in, *end = in + n;
    byte_classes_init();
    for (int k = 0; k < NFIX; k++) fixes[k] = 0;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', end - p);
        if (!nl) break;
        if (line >= max_lines) return -1;
        out_offsets[line] = o;
        in_offsets[line] = p - in;
        int *running = fixes + (line + 1) * NFIX;
        memcpy(running, running - NFIX, NFIX * sizeof(int));
        const unsigned char *body_end = nl;
        long stray_cr = 0;
        int state = S_INVALID;
        if (body_end == p) {
            state = S_BLANK; /* an empty line without CR */
        } else if (body_end[-1] == '\r') {
            body_end--;
            while (body_end > p && body_end[-1] == '\r') {
                body_end--;
                stray_cr++;
            }
            if (body_end == p) {
                state = S_BLANK;
            } else {
                long fix[NFIX] = {0};
                long len = write_record(p, body_end, ncols, kinds, arg_a, arg_b, cp1252, flags, out + o, fix);
                if (len >= 0) {
                    fix[FIX_TRAILING_CR] += stray_cr;
                    for (int k = 0; k < NFIX; k++) running[k] += (int)fix[k];
                    state = prev_o >= 0 && prev_len == len && memcmp(out + prev_o, out + o, len) == 0 ? S_DUPLICATE
                                                                                                     : S_VALID;
                    prev_o = o;
                    prev_len = len;
                    o += len;
                }
            }
        }
        /* The line after one left to Python cannot know what came before it. */
        if (state == S_INVALID) prev_o = -1;
        status[line] = (unsigned char)state;
        line++;
        p = nl + 1;
    }
    out_offsets[line] = o;
    in_offsets[line] = p - in;
    return line;
}
