#include <sentilab/boundedjson.h>

#include <algorithm>

#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

namespace sentilab {

nlohmann::json parseJson(std::string_view text, const std::string &where)
{
    const JsonDepth depth = jsonNestingDepth(text, kMaxJsonDepth);
    if (depth.depth > kMaxJsonDepth)
        throw Error(where + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                    " levels deep (at byte " + std::to_string(depth.offset) +
                    "); this is not a file SentiLab writes or reads");
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error &e) {
        // e.byte is 1-based and points just past the offending character.
        const size_t at = e.byte > 0 ? std::min<size_t>(e.byte - 1, text.size()) : 0;
        const size_t from = at > 40 ? at - 40 : 0;
        throw Error(where + ": not valid JSON at byte " + std::to_string(at) + " (near '" +
                    excerpt(text.substr(from, 80), 120) + "')");
    } catch (const nlohmann::json::exception &e) {
        // out_of_range 406, a number beyond double's range such as 1e400, is not a parse_error
        // (issue 8: it escaped core and ended the process).
        throw Error(where + ": not valid JSON (" + excerpt(e.what(), 120) + ")");
    }
}

std::string jsonExcerpt(const nlohmann::json &value)
{
    // Parsed values nest at most kMaxJsonDepth levels, so dump() cannot exhaust the stack.
    return excerpt(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 200);
}

} // namespace sentilab
