#pragma once
// Strict UTF-8 decoding and the Unicode character classes of BERT's BasicTokenizer (internal).
// Character data comes from utf8proc, pinned to Unicode 14.0 (Python 3.11's unicodedata, which
// produced the golden tokenizations): code points assigned only by a newer utf8proc count as
// unassigned (category Cn).
#include <cstddef>
#include <string>
#include <string_view>

namespace sentilab::unicode {

// Decodes the code point that starts at text[pos] and moves pos past it. Throws sentilab::Error
// naming the byte offset when the bytes there are not well-formed UTF-8: a stray continuation
// byte, an overlong form, a surrogate, a value above U+10FFFF or a truncated sequence.
char32_t decodeUtf8(std::string_view text, std::size_t &pos);

// Throws like decodeUtf8() at the first ill-formed sequence of text[pos..].
void validateUtf8(std::string_view text, std::size_t pos = 0);

// Writes the UTF-8 form of a valid code point to out and returns its length (1-4 bytes).
int encodeUtf8(char32_t cp, char (&out)[4]);
void appendUtf8(std::string &out, char32_t cp);

// Deleted by BERT's text cleaning: U+0000, U+FFFD and every category C* character (Cc, Cf, Cs,
// Co, Cn) except \t, \n and \r.
bool isRemovedByCleaning(char32_t cp);

// Separates words: space, \t, \n, \r, category Zs, and U+2028/U+2029 (which Python's str.split()
// splits on as well).
bool isWordSeparator(char32_t cp);

// BERT's "Chinese character" blocks: each such character becomes a word of its own.
bool isCjkIdeograph(char32_t cp);

// ASCII 33-47, 58-64, 91-96, 123-126 and categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
bool isPunctuation(char32_t cp);

bool isNonspacingMark(char32_t cp); // category Mn
int combiningClass(char32_t cp);    // canonical combining class, 0 for starters

// Simple (per character) lower-case mapping, as Hugging Face's tokenizers apply it: U+03A3 is
// always U+03C3. Python's str.lower() differs for U+0130 (i + U+0307, and U+0307 is removed by
// accent stripping, so the tokens agree) and for the word-final sigma (U+03C2), where the
// Hugging Face behaviour is the target.
char32_t toLower(char32_t cp);

// Full canonical decomposition (NFD of one code point, Hangul syllables included) into out;
// returns the number of code points written (at most kMaxDecomposition).
constexpr int kMaxDecomposition = 8;
int decompose(char32_t cp, char32_t (&out)[kMaxDecomposition]);

} // namespace sentilab::unicode
