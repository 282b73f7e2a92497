#include "picklecheck.h"

#include <sentilab/error.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace sentilab {
namespace {

// Deeper nesting than any state dict needs (dict -> tensor -> arguments -> size tuple is 3) and
// far less than would exhaust the stack when LibTorch destroys the nested values recursively.
constexpr uint32_t kMaxNesting = 100;

// Simulates the unpickler's stack, tracking for each item only how deeply it nests containers.
class PickleWalker
{
public:
    PickleWalker(std::string_view bytes, const std::string &where) : m_bytes(bytes), m_where(where)
    {}

    void run()
    {
        while (m_pos < m_bytes.size()) {
            m_opcodeAt = m_pos;
            const auto opcode = static_cast<unsigned char>(m_bytes[m_pos++]);
            if (opcode == '.') { // STOP
                need(1);
                return;
            }
            step(opcode);
        }
        fail("it ends without a STOP opcode", m_bytes.size());
    }

private:
    [[noreturn]] void fail(const std::string &why, size_t at) const
    {
        throw Error(m_where + ": data.pkl is not a pickle torch.save writes (" + why + ", byte " +
                    std::to_string(at) +
                    "); the checkpoint is corrupt (re-download it or use model.safetensors)");
    }
    [[noreturn]] void fail(const std::string &why) const { fail(why, m_opcodeAt); }

    uint64_t readUnsigned(size_t size)
    {
        if (m_bytes.size() - m_pos < size)
            fail("an opcode argument runs past the end");
        uint64_t value = 0;
        for (size_t i = 0; i < size; ++i)
            value |= uint64_t(static_cast<unsigned char>(m_bytes[m_pos + i])) << (8 * i);
        m_pos += size;
        return value;
    }

    // A length-prefixed payload; `signedLength`: the 4-byte length is an int32 (BINSTRING, LONG4).
    void skipPayload(size_t lengthSize, bool signedLength = false)
    {
        const uint64_t length = readUnsigned(lengthSize);
        if (signedLength && length > uint64_t(INT32_MAX))
            fail("a negative length");
        if (length > m_bytes.size() - m_pos)
            fail("a length of " + std::to_string(length) + " bytes runs past the end");
        m_pos += size_t(length);
    }

    std::string_view readLine()
    {
        const size_t end = m_bytes.find('\n', m_pos);
        if (end == std::string_view::npos)
            fail("a text argument without its line end");
        const std::string_view line = m_bytes.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return line;
    }

    size_t readLineIndex()
    {
        const std::string_view line = readLine();
        size_t value = 0;
        if (line.empty() || line.size() > 18 ||
            !std::all_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail("a memo index that is not a number");
        for (const char c : line)
            value = value * 10 + size_t(c - '0');
        return value;
    }

    size_t aboveMark() const { return m_stack.size() - (m_marks.empty() ? 0 : m_marks.back()); }

    void need(size_t count) const
    {
        if (aboveMark() < count)
            fail("an opcode takes " + std::to_string(count) + " stack items, " +
                 std::to_string(aboveMark()) + " are there");
    }

    void push(uint32_t nesting)
    {
        if (nesting > kMaxNesting)
            fail("values nest more than " + std::to_string(kMaxNesting) + " levels deep");
        m_stack.push_back(nesting);
    }

    // Pops `count` items (need() checked) and returns how deeply the deepest of them nests.
    uint32_t pop(size_t count)
    {
        uint32_t deepest = 0;
        for (size_t i = 0; i < count; ++i) {
            deepest = std::max(deepest, m_stack.back());
            m_stack.pop_back();
        }
        return deepest;
    }

    // Pops everything above the innermost MARK, and the MARK; returns the item count and nesting.
    std::pair<size_t, uint32_t> popMark()
    {
        if (m_marks.empty())
            fail("an opcode needs a MARK and there is none");
        const size_t count = aboveMark();
        m_marks.pop_back();
        const uint32_t deepest = count > 0 ? pop(count) : 0;
        return {count, deepest};
    }

    // Adds items of nesting `items` to the container on top of the stack.
    void addToTop(uint32_t items)
    {
        need(1);
        const uint32_t nesting = std::max(m_stack.back(), items + 1);
        m_stack.pop_back();
        push(nesting);
    }

    // Picklers number memo entries 0, 1, 2, ... as they write them; an index that skips ahead
    // would make LibTorch's memo table as large as the index.
    void put(uint64_t index)
    {
        need(1);
        if (index > m_memo.size())
            fail("memo index " + std::to_string(index) + " skips ahead of the " +
                 std::to_string(m_memo.size()) + " entries written");
        if (index == m_memo.size())
            m_memo.push_back(m_stack.back());
        else
            m_memo[size_t(index)] = m_stack.back();
    }

    void get(uint64_t index)
    {
        if (index >= m_memo.size())
            fail("memo index " + std::to_string(index) + " is read before it is written");
        push(m_memo[size_t(index)]);
    }

    void step(unsigned char opcode)
    {
        switch (opcode) {
        case '(': // MARK
            m_marks.push_back(m_stack.size());
            break;
        case '0': // POP
            need(1);
            pop(1);
            break;
        case '1': // POP_MARK
            popMark();
            break;
        case '2': // DUP
            need(1);
            push(m_stack.back());
            break;
        case 'F': // FLOAT, INT, LONG, STRING, UNICODE, PERSID: a line of text
        case 'I':
        case 'L':
        case 'S':
        case 'V':
        case 'P':
            readLine();
            push(0);
            break;
        case 'c': // GLOBAL module\nname\n
            readLine();
            readLine();
            push(0);
            break;
        case 'i': { // INST module\nname\n, arguments above a MARK
            readLine();
            readLine();
            push(popMark().second + 1);
            break;
        }
        case 'g': // GET
            get(readLineIndex());
            break;
        case 'p': // PUT
            put(readLineIndex());
            break;
        case 'K': // BININT1, BININT2, BININT, BINFLOAT
            readUnsigned(1);
            push(0);
            break;
        case 'M':
            readUnsigned(2);
            push(0);
            break;
        case 'J':
            readUnsigned(4);
            push(0);
            break;
        case 'G':
            readUnsigned(8);
            push(0);
            break;
        case 'N': // NONE, NEWTRUE, NEWFALSE
        case 0x88:
        case 0x89:
            push(0);
            break;
        case 'U': // SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE, LONG1
        case 'C':
        case 0x8c:
        case 0x8a:
            skipPayload(1);
            push(0);
            break;
        case 'X': // BINUNICODE, BINBYTES
        case 'B':
            skipPayload(4);
            push(0);
            break;
        case 'T': // BINSTRING, LONG4
        case 0x8b:
            skipPayload(4, true);
            push(0);
            break;
        case 0x8d: // BINUNICODE8, BINBYTES8
        case 0x8e:
            skipPayload(8);
            push(0);
            break;
        case 0x82: // EXT1, EXT2, EXT4
            readUnsigned(1);
            push(0);
            break;
        case 0x83:
            readUnsigned(2);
            push(0);
            break;
        case 0x84:
            readUnsigned(4);
            push(0);
            break;
        case '}': // EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, EMPTY_SET
        case ']':
        case ')':
        case 0x8f:
            push(1);
            break;
        case 't': // TUPLE, LIST, FROZENSET
        case 'l':
        case 0x91:
            push(popMark().second + 1);
            break;
        case 'd': { // DICT
            const auto [count, nesting] = popMark();
            if (count % 2 != 0)
                fail("a dictionary with a key but no value");
            push(nesting + 1);
            break;
        }
        case 'o': { // OBJ: class and arguments above a MARK
            const auto [count, nesting] = popMark();
            if (count == 0)
                fail("OBJ without a class");
            push(nesting + 1);
            break;
        }
        case 0x85: // TUPLE1, TUPLE2, TUPLE3
        case 0x86:
        case 0x87: {
            const size_t count = size_t(opcode - 0x85 + 1);
            need(count);
            push(pop(count) + 1);
            break;
        }
        case 'a': // APPEND
            need(2);
            addToTop(pop(1));
            break;
        case 'e': // APPENDS, ADDITEMS
        case 0x90:
            addToTop(popMark().second);
            break;
        case 's': // SETITEM
            need(3);
            addToTop(pop(2));
            break;
        case 'u': { // SETITEMS
            const auto [count, nesting] = popMark();
            if (count % 2 != 0)
                fail("a dictionary with a key but no value");
            addToTop(nesting);
            break;
        }
        case 'b': // BUILD: object, state
            need(2);
            addToTop(pop(1));
            break;
        case 'R': // REDUCE, NEWOBJ: callable, arguments; STACK_GLOBAL: module, name
        case 0x81:
        case 0x93:
            need(2);
            push(pop(2));
            break;
        case 0x92: // NEWOBJ_EX: class, arguments, keyword arguments
            need(3);
            push(pop(3));
            break;
        case 'Q': // BINPERSID: replaces the persistent id with what it names
            need(1);
            break;
        case 'q': // BINPUT, LONG_BINPUT, MEMOIZE
            put(readUnsigned(1));
            break;
        case 'r':
            put(readUnsigned(4));
            break;
        case 0x94:
            put(m_memo.size());
            break;
        case 'h': // BINGET, LONG_BINGET
            get(readUnsigned(1));
            break;
        case 'j':
            get(readUnsigned(4));
            break;
        case 0x80: // PROTO
            readUnsigned(1);
            break;
        case 0x95: // FRAME: the length of the opcodes that follow
            readUnsigned(8);
            break;
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", opcode);
            fail(std::string("unknown opcode ") + hex);
        }
        }
    }

    std::string_view m_bytes;
    const std::string &m_where;
    size_t m_pos = 0;
    size_t m_opcodeAt = 0;
    std::vector<uint32_t> m_stack; // nesting depth of each item: 0 for scalars
    std::vector<size_t> m_marks;   // m_stack sizes at the open MARKs
    std::vector<uint32_t> m_memo;  // nesting of each memo entry
};

} // namespace

void checkPickle(std::string_view pickle, const std::string &where)
{
    PickleWalker(pickle, where).run();
}

} // namespace sentilab
