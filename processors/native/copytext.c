/*
 * The load stage's converter (see processors/native/__init__.py): our cleaned
 * CSV (every field quoted, LF line ends, values may hold line breaks) into
 * PostgreSQL's COPY text format, which the server parses faster than CSV.
 * An empty value of a typed column becomes \N (NULL); an empty text stays empty.
 */

/*
 * Converts the complete records at the start of in[0..n). Returns the bytes
 * written to `out` (which must hold 2 * n + 2 * ncols + 16 + 24 per record)
 * and sets *consumed to the input bytes used; returns -1 for input that is not
 * a record of ncols quoted fields. With next_id, each record starts with that
 * number (then incremented) as an extra first column.
 */
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

long csv_to_copy_text(const unsigned char *in, long n, int ncols, const unsigned char *typed,
                      unsigned char *out, long *consumed, long *next_id) {
    long i = 0, o = 0;
    *consumed = 0;
    while (i < n) {
        long record_o = o, p = i;
        int col = 0, complete = 0;
        if (next_id) { /* the table's own id, so the server need not draw it from its sequence */
            o += write_number(out + o, *next_id);
            out[o++] = '\t';
        }
        for (;;) {
            if (p >= n) break; /* incomplete record: wait for more input */
            if (in[p] != '"') return -1;
            p++;
            long field_o = o;
            int closed = 0;
            while (p < n) {
                unsigned char c = in[p];
                if (c == '"') {
                    if (p + 1 < n && in[p + 1] == '"') {
                        out[o++] = '"';
                        p += 2;
                        continue;
                    }
                    if (p + 1 >= n) break; /* cannot tell yet */
                    closed = 1;
                    p++;
                    break;
                }
                switch (c) {
                case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
                case '\t': out[o++] = '\\'; out[o++] = 't'; break;
                case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
                case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
                default: out[o++] = c;
                }
                p++;
            }
            if (!closed) break;
            if (col >= ncols) return -1;
            if (o == field_o && typed[col]) {
                out[o++] = '\\';
                out[o++] = 'N';
            }
            col++;
            if (in[p] == ',') {
                out[o++] = '\t';
                p++;
                continue;
            }
            if (in[p] == '\n') {
                if (col != ncols) return -1;
                out[o++] = '\n';
                p++;
                complete = 1;
                break;
            }
            return -1;
        }
        if (!complete) {
            o = record_o;
            break;
        }
        if (next_id) (*next_id)++;
        i = p;
        *consumed = i;
    }
    return o;
}
