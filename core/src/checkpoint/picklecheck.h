#pragma once
// A structural check of a pickle before LibTorch's unpickler sees it. Internal to core, torch-free.
#include <string>
#include <string_view>

namespace sentilab {

// Walks the opcodes of `pickle` (protocols 0-4, as torch.save writes data.pkl) without building
// any object and throws sentilab::Error naming `where` unless: every opcode is a known one; every
// argument and length-prefixed payload lies inside the bytes; memo entries are written in order
// (0, 1, 2, ... as picklers number them) and read only once written; no opcode takes more items
// than lie above the innermost MARK (or pops a MARK that is not there); dictionaries get key/value
// pairs; values nest at most 100 levels; and a STOP ends it with a value on the stack.
// LibTorch's unpickler trusts all of this: a hostile length or memo index made it allocate
// gigabytes, a missing MARK or item read outside its stack (issue 8).
void checkPickle(std::string_view pickle, const std::string &where);

} // namespace sentilab
