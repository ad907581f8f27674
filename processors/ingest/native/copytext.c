/*
 * The load stage's converter (see processors/native/__init__.py): our cleaned
 * CSV (every field quoted, LF line ends, values may hold line breaks) into
 * PostgreSQL's COPY text format, which the server parses faster than CSV.
 * An empty value of a typed column becomes \N (NULL); an empty text stays empty.
 * The CSV keeps the state's values, so the conversions a typed column needs
 * happen here, each one counted: a flag letter in an integer column (Y/X 1,
 * N 0) becomes its digit, and a typed value of only whitespace becomes NULL.
 *
 * Speed (~1.6 GB/s of RCPT_CD input, 2.5 times the byte-at-a-time switch):
 * most values are short or empty (a RCPT_CD record is 63 fields in ~380
 * bytes, 59% of them empty), so the cost per field matters as much as the
 * cost per byte.
 * - "", (an empty value and its comma) takes a shortcut of its own.
 * - Other values are copied 8 bytes at a time: each word is stored to the
 *   output whole, then tested for bytes that need attention, and only the
 *   bytes before the first of them count. Finding the closing quote is on
 *   the critical path from one field to the next, so it has a test of its own
 *   (the shortest chain of operations); the rarer backslash and control bytes
 *   are tested alongside.
 * - The id column's text is counted up in place instead of printed anew.
 * - Positions are pointers in locals, not indexes or *consumed: a store
 *   through `out` (unsigned char) may change any memory as far as the
 *   compiler knows, and the loop needs its registers.
 * Stores run ahead of the output position only where the output bound (see
 * csv_to_copy_text) leaves room, so they need no checks of their own.
 */

#include <stdint.h>
#include <string.h>

/* typed[col]: 0 text, 1 another typed column, KIND_INTEGER an integer column (which may hold flags). */
enum { KIND_INTEGER = 2 };
/* conversions[]: flag letters written as their digit, blank typed values written as NULL. */
enum { CONVERTED_FLAG, CONVERTED_BLANK };

/*
 * Word-at-a-time scanning needs the first flagged byte of a word to be the
 * first in memory (little-endian) and a count-trailing-zeros builtin; other
 * compilers and machines use the byte loop alone, which gives the same output.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define COPYTEXT_WORDS 1
#else
#define COPYTEXT_WORDS 0
#endif

/* The letter after the backslash for a byte COPY text escapes; 0 for any other byte. */
static const unsigned char escape_letter[256] = {
    ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
};

/* The bytes that end a run of plain bytes inside a quoted value. */
static const unsigned char special[256] = {
    ['"'] = 1, ['\\'] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
};

#if COPYTEXT_WORDS
#define BYTES(x) ((uint64_t)0x0101010101010101u * (x))

/*
 * Bit 7 set in each byte of `w` that is a quote. This is the classic "has a
 * zero byte" test: a borrow may also flag a byte after a real hit, never one
 * before, so the lowest flag is exact, and that is the only one used.
 */
static inline uint64_t quote_bytes(uint64_t w) {
    uint64_t x = w ^ BYTES('"');
    return (x - BYTES(1)) & ~x & BYTES(0x80);
}

/*
 * Likewise for a backslash or any byte below 0x0E. That covers tab, LF and
 * CR in one subtraction; the few other control bytes it lets through are
 * plain after all, and told apart with escape_letter.
 */
static inline uint64_t other_bytes(uint64_t w) {
    uint64_t x = w ^ BYTES('\\');
    return (((x - BYTES(1)) & ~x) | ((w - BYTES(0x0E)) & ~w)) & BYTES(0x80);
}
#endif

static long write_number(unsigned char *out, long value) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    for (int k = 0; k < n; k++) out[k] = (unsigned char)digits[n - 1 - k];
    return n;
}

/*
 * Converts the complete records at the start of in[0..n). Returns the bytes
 * written to `out` (which must hold 2 * n + 2 * ncols + 16 + 24 per record)
 * and sets *consumed to the input bytes used; returns -1 for input that is not
 * a record of ncols quoted fields. With next_id (not negative), each record
 * starts with that number (then incremented) as an extra first column.
 *
 * A record the block ends inside is left for the next call: neither the
 * return value, *consumed nor *next_id counts any of it. That includes a
 * record whose last byte in the block is a quote inside a value, which may be
 * the first of a doubled quote or the value's end.
 *
 * The bound holds at every point, and the stores ahead rely on it: up to
 * input position p, the values and separators give at most 2 bytes a byte (an
 * escape doubles a byte, "" of a typed column becomes \N, quotes give
 * nothing), the ids at most 24 bytes a record. A store of k bytes ahead is
 * made only with at least k more input bytes to come.
 */
/* The digit a flag letter in an integer column stands for (Y/y/X/x 1, N/n 0); 0: not a flag. */
static const unsigned char flag_digit[256] = {
    ['Y'] = '1', ['y'] = '1', ['X'] = '1', ['x'] = '1', ['N'] = '0', ['n'] = '0',
};

/* Whether a converted value [v, end) is only the whitespace PostgreSQL skips (spaces, tabs, line breaks). */
static int blank_value(const unsigned char *v, const unsigned char *end) {
    while (v < end) {
        if (*v == ' ' || *v == '\v' || *v == '\f') {
            v++;
        } else if (*v == '\\' && end - v >= 2 && (v[1] == 't' || v[1] == 'n' || v[1] == 'r')) {
            v += 2;
        } else {
            return 0;
        }
    }
    return 1;
}

long csv_to_copy_text(const unsigned char *in, long n, int ncols, const unsigned char *typed,
                      unsigned char *out, long *consumed, long *next_id, long *conversions) {
    /* What "", becomes, by typed[col] != 0: stored 4 bytes at once, then the length counted. */
    static const unsigned char empty_out[2][4] = {{'\t'}, {'\\', 'N', '\t'}};
    static const long empty_len[2] = {1, 3};
    /* The id and a tab, stored 24 bytes at once (a long has at most 19 digits). */
    unsigned char id_text[24] = {0};
    long id = next_id ? *next_id : 0, id_len = 0;
    if (next_id) {
        id_len = write_number(id_text, id);
        id_text[id_len] = '\t';
    }
    const unsigned char *const end = in + n, *const typed_end = typed + ncols;
    const unsigned char *record = in; /* the start of the record being converted */
    unsigned char *o = out, *record_o = out;
    while (record < end) {
        const unsigned char *p = record, *t = typed; /* t: the current column's typed flag */
        record_o = o;
        if (next_id) { /* the table's own id, so the server need not draw it from its sequence */
            memcpy(o, id_text, sizeof id_text);
            o += id_len + 1;
        }
        for (;;) { /* one field a turn, p at its opening quote */
            if (end - p >= 4 && memcmp(p, "\"\",", 3) == 0) {
                /* "", : an empty value, over half of them; the 4th byte leaves room for the store */
                if (t >= typed_end) goto malformed;
                int typed_col = *t++ != 0;
                memcpy(o, empty_out[typed_col], 4);
                o += empty_len[typed_col];
                p += 3;
                continue;
            }
            if (p >= end) goto incomplete;
            if (*p != '"') goto malformed;
            p++;
            unsigned char *field_o = o;
            for (;;) { /* the value up to its closing quote */
#if COPYTEXT_WORDS
                while (end - p >= 8) {
                    uint64_t w, quotes, others;
                    memcpy(&w, p, 8);
                    memcpy(o, &w, 8);
                    quotes = quote_bytes(w);
                    others = other_bytes(w);
                    /* The first quote, unless another byte needing attention comes before it; */
                    if (quotes && !(others & ((quotes & -quotes) - 1))) {
                        long plain = __builtin_ctzll(quotes) >> 3;
                        p += plain;
                        o += plain;
                        goto quote;
                    }
                    /* else that other byte; else all 8 are plain. */
                    if (others) {
                        long plain = __builtin_ctzll(others) >> 3;
                        p += plain;
                        o += plain;
                        goto other;
                    }
                    p += 8;
                    o += 8;
                }
#endif
                /* The byte loop: for the last bytes of the block, or without word scanning. */
                while (p < end && !special[*p]) *o++ = *p++;
                if (p >= end) goto incomplete;
                if (*p != '"') goto other;
#if COPYTEXT_WORDS
            quote: /* p at a quote inside the value */
#endif
                if (end - p < 2) goto incomplete; /* a doubled quote or the end: cannot tell yet */
                if (p[1] != '"') break;
                *o++ = '"';
                p += 2;
                continue;
            other:
                if (escape_letter[*p]) {
                    o[0] = '\\';
                    o[1] = escape_letter[*p];
                    o += 2;
                } else { /* a control byte the word test let through: plain after all */
                    *o++ = *p;
                }
                p++;
            }
            p++; /* the closing quote; a byte follows, as end - p >= 2 above */
            if (t >= typed_end) goto malformed;
            if (*t && o != field_o) {
                /* The cleaned CSV keeps the state's values; the typed column takes them converted. */
                if (*t == KIND_INTEGER && o - field_o == 1 && flag_digit[*field_o]) {
                    *field_o = flag_digit[*field_o];
                    conversions[CONVERTED_FLAG]++;
                } else if (blank_value(field_o, o)) {
                    o = field_o; /* NULL, below */
                    conversions[CONVERTED_BLANK]++;
                }
            }
            if (o == field_o && *t) {
                *o++ = '\\';
                *o++ = 'N';
            }
            t++;
            if (*p == ',') {
                *o++ = '\t';
                p++;
                continue;
            }
            if (*p != '\n' || t != typed_end) goto malformed;
            *o++ = '\n';
            p++;
            break;
        }
        if (next_id) { /* count the id's text up: 129 -> 130, 999 -> 1000 */
            long k = id_len - 1;
            while (k >= 0 && id_text[k] == '9') id_text[k--] = '0';
            if (k >= 0) {
                id_text[k]++;
            } else {
                memmove(id_text + 1, id_text, (size_t)id_len + 1);
                id_text[0] = '1';
                id_len++;
            }
            id++;
        }
        record = p;
    }
    *consumed = record - in;
    if (next_id) *next_id = id;
    return o - out;

incomplete: /* the block ends inside the record at `record`: leave it for the next call */
    *consumed = record - in;
    if (next_id) *next_id = id;
    return record_o - out;

malformed:
    *consumed = record - in;
    if (next_id) *next_id = id;
    return -1;
}
