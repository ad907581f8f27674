/*
 * The search for the valid merges of a record with several surplus fields, in C
 * (processors/ingest/repair.py's _merge_ways and _merge_space, which stay the
 * pure-Python path; tests compare the two on every shape of record).
 *
 * A merge puts one field or more into each column; at column c the record has
 * merged `s` surplus fields so far (its shift), so column c starts at field
 * c + s. A text column takes any width its length allows (the fields' lengths
 * plus the tabs between them); a typed column one field, whose validity the
 * caller has checked (typed_ok). The table of ways is filled from the last
 * column back, counting valid completions up to `cap`; then a pass from the
 * first column forward marks the states a valid merge goes through and the
 * columns where valid merges differ.
 */
#include <string.h>

#define MAX_SHIFTS 16

/* ways[(c * e1 + s) * e1 + w - 1]: the valid completions (at most cap) of width w at column c and
 * shift s, 0 when none; reach[c * e1 + s]: a valid merge goes through column c at shift s;
 * doubt[0], doubt[1]: the first and last column where valid merges differ (-1: none);
 * first_widths[c]: the width of column c in the first valid merge (the narrowest at every column).
 * longest[c]: a text column's maximum length, -1 for any length, -2 for a typed column.
 * Returns the number of valid merges, at most cap; -1 when `extra` is out of range. */
long merge_ways(int ncols, int extra, const int *longest, const long *starts, const unsigned char *typed_ok,
                int cap, unsigned char *ways, unsigned char *reach, int *doubt, unsigned char *first_widths) {
    int e1 = extra + 1;
    unsigned char after[MAX_SHIFTS], counts[MAX_SHIFTS];
    if (extra < 1 || e1 > MAX_SHIFTS || cap < 1 || cap > 255) return -1;
    memset(ways, 0, (size_t)ncols * e1 * e1);
    memset(reach, 0, (size_t)ncols * e1);
    doubt[0] = doubt[1] = -1;
    for (int s = 0; s < e1; s++) after[s] = s == extra;
    for (int c = ncols - 1; c >= 0; c--) {
        for (int s = 0; s < e1; s++) {
            long f = (long)c + s;
            int total = 0;
            unsigned char *here = ways + ((long)c * e1 + s) * e1;
            if (longest[c] >= -1) {
                for (int w = 1; w <= extra - s + 1; w++) {
                    long length = starts[f + w] - starts[f] + w - 1;
                    if (longest[c] >= 0 && length > longest[c]) break; /* a longer merge is only longer */
                    if (after[s + w - 1]) {
                        here[w - 1] = after[s + w - 1];
                        total += after[s + w - 1];
                    }
                }
            } else if (after[s] && typed_ok[(long)c * e1 + s]) {
                here[0] = after[s];
                total = after[s];
            }
            counts[s] = (unsigned char)(total > cap ? cap : total);
        }
        memcpy(after, counts, e1);
    }
    if (!after[0]) return 0;
    reach[0] = 1;
    for (int c = 0; c < ncols; c++) {
        int options = 0;
        for (int s = 0; s < e1; s++) {
            if (!reach[(long)c * e1 + s]) continue;
            const unsigned char *here = ways + ((long)c * e1 + s) * e1;
            for (int w = 1; w <= e1 - s; w++) {
                if (!here[w - 1]) continue;
                options++;
                if (c + 1 < ncols) reach[(long)(c + 1) * e1 + s + w - 1] = 1;
            }
        }
        if (options > 1) {
            if (doubt[0] < 0) doubt[0] = c;
            doubt[1] = c;
        }
    }
    for (int c = 0, s = 0; c < ncols; c++) {
        const unsigned char *here = ways + ((long)c * e1 + s) * e1;
        int w = 1;
        while (!here[w - 1]) w++;
        first_widths[c] = (unsigned char)w;
        s += w - 1;
    }
    return after[0];
}
