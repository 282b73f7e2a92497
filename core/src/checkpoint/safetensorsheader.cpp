#include "safetensorsheader.h"

#include <sentilab/error.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>

namespace sentilab {

namespace {

using Json = nlohmann::json;

// The reference implementation (huggingface/safetensors) refuses headers above 100 MB as well.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
// A valid header nests three levels (object, tensor entry, shape array); the bound only stops
// pathological inputs early.
constexpr size_t kMaxNesting = 16;

const char kTruncatedHint[] =
    "the file is probably truncated or not a safetensors file; download or save it again";
const char kCorruptHint[] =
    "the file is corrupt or not a safetensors file; download or save it again";

struct DtypeInfo
{
    std::string_view name;
    int size;
};

constexpr DtypeInfo kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

std::string knownDtypes()
{
    std::string list;
    for (const DtypeInfo &info : kDtypes) {
        if (!list.empty())
            list += ", ";
        list += info.name;
    }
    return list;
}

// Names come from the file: escape control characters and shorten long ones so that a hostile
// file cannot make the message unreadable.
std::string quotedName(std::string_view text)
{
    constexpr size_t maxBytes = 160;
    std::string out = "'";
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        // Cut only at the start of a UTF-8 sequence.
        if (i >= maxBytes && (c & 0xC0) != 0x80) {
            out += "...";
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += "'";
    return out;
}

[[noreturn]] void failFile(const std::string &fileName, const std::string &what, const char *hint)
{
    throw Error("Cannot read safetensors file '" + fileName + "': " + what + "; " + hint);
}

[[noreturn]] void failTensor(const std::string &fileName, std::string_view tensor,
                             const std::string &what, const char *hint)
{
    failFile(fileName, "tensor " + quotedName(tensor) + ": " + what, hint);
}

std::string typeName(const Json &value)
{
    if (value.is_number_integer() && !value.is_number_unsigned())
        return "negative number";
    return value.type_name();
}

// Reads a non-negative JSON integer ("-0" included). Returns false for anything else.
bool readUnsigned(const Json &value, uint64_t *out)
{
    if (value.is_number_unsigned()) {
        *out = value.get<uint64_t>();
        return true;
    }
    if (value.is_number_integer() && value.get<int64_t>() == 0) {
        *out = 0;
        return true;
    }
    return false;
}

// A JSON value from the file for a message, shortened.
std::string excerpt(const Json &value)
{
    std::string text = value.dump(-1, ' ', true, Json::error_handler_t::replace);
    if (text.size() > 80)
        text = text.substr(0, 80) + "...";
    return text;
}

std::string formatShape(const std::vector<int64_t> &shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i > 0)
            text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

std::string formatRange(uint64_t begin, uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// Keeps the ASCII part of a JSON library message; the excerpt it quotes may hold arbitrary bytes.
std::string describeJsonError(const Json::exception &e)
{
    std::string text = e.what();
    const size_t prefixEnd = text.find("] ");
    if (text.rfind("[json.exception.", 0) == 0 && prefixEnd != std::string::npos)
        text.erase(0, prefixEnd + 2);
    for (char &c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F)
            c = '?';
    }
    if (text.size() > 300)
        text = text.substr(0, 300) + "...";
    return text;
}

// Observes the parse to do what nlohmann::json cannot: detect duplicate keys (it keeps the last),
// remember the order of the top-level keys (its objects are sorted) and bound the nesting.
class HeaderObserver
{
public:
    explicit HeaderObserver(const std::string &fileName) : m_fileName(fileName) {}

    bool operator()(int, Json::parse_event_t event, Json &parsed)
    {
        switch (event) {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
            if (m_levels.size() >= kMaxNesting) {
                failFile(m_fileName,
                         "the header JSON is nested more than " + std::to_string(kMaxNesting) +
                             " levels deep",
                         kCorruptHint);
            }
            m_levels.push_back({event == Json::parse_event_t::object_start, {}});
            break;
        case Json::parse_event_t::object_end:
        case Json::parse_event_t::array_end:
            m_levels.pop_back();
            break;
        case Json::parse_event_t::key:
            onKey(parsed.get_ref<const std::string &>());
            break;
        case Json::parse_event_t::value:
            break;
        }
        return true;
    }

    const std::vector<std::string> &topLevelKeys() const { return m_topLevelKeys; }

private:
    void onKey(const std::string &key)
    {
        Level &level = m_levels.back();
        const bool topLevel = m_levels.size() == 1 && level.isObject;
        if (!level.keys.insert(key).second) {
            if (topLevel && key == "__metadata__")
                failFile(m_fileName, "\"__metadata__\" appears twice in the header", kCorruptHint);
            if (topLevel)
                failTensor(m_fileName, key, "appears twice in the header", kCorruptHint);
            if (m_levels.size() == 2 && m_levels[0].isObject) {
                failTensor(m_fileName, m_currentTopLevelKey,
                           "key " + quotedName(key) + " appears twice in its entry", kCorruptHint);
            }
            failFile(m_fileName, "key " + quotedName(key) + " appears twice in a header object",
                     kCorruptHint);
        }
        if (topLevel) {
            m_topLevelKeys.push_back(key);
            m_currentTopLevelKey = key;
        }
    }

    struct Level
    {
        bool isObject;
        std::set<std::string> keys;
    };

    const std::string &m_fileName;
    std::vector<Level> m_levels;
    std::vector<std::string> m_topLevelKeys;
    std::string m_currentTopLevelKey;
};

void readMetadata(const Json &value, const std::string &fileName,
                  std::map<std::string, std::string> *metadata)
{
    if (!value.is_object()) {
        failFile(fileName,
                 "\"__metadata__\" is a " + typeName(value) + ", not an object of strings",
                 kCorruptHint);
    }
    for (const auto &[key, item] : value.items()) {
        if (!item.is_string()) {
            failFile(fileName,
                     "\"__metadata__\" entry " + quotedName(key) + " is a " + typeName(item) +
                         ", not a string",
                     kCorruptHint);
        }
        (*metadata)[key] = item.get<std::string>();
    }
}

SafetensorsEntry readEntry(const std::string &name, const Json &value, uint64_t dataSize,
                           const std::string &fileName)
{
    if (!value.is_object()) {
        failTensor(fileName, name,
                   "its entry is a " + typeName(value) +
                       ", not an object with dtype, shape and data_offsets",
                   kCorruptHint);
    }
    for (const auto &item : value.items()) {
        const std::string &key = item.key();
        if (key != "dtype" && key != "shape" && key != "data_offsets") {
            failTensor(fileName, name,
                       "unexpected key " + quotedName(key) +
                           " (an entry holds only dtype, shape and data_offsets)",
                       kCorruptHint);
        }
    }
    for (const char *key : {"dtype", "shape", "data_offsets"}) {
        if (!value.contains(key))
            failTensor(fileName, name, std::string("missing \"") + key + "\"", kCorruptHint);
    }

    SafetensorsEntry entry;
    entry.name = name;

    const Json &dtype = value["dtype"];
    if (!dtype.is_string())
        failTensor(fileName, name, "dtype is a " + typeName(dtype) + ", not a string",
                   kCorruptHint);
    entry.dtype = dtype.get<std::string>();
    const int dtypeSize = safetensorsDtypeSize(entry.dtype);
    if (dtypeSize == 0) {
        const std::string hint =
            "known dtypes are " + knownDtypes() + "; the file may need a newer version of SentiLab";
        failTensor(fileName, name, "unknown dtype " + quotedName(entry.dtype), hint.c_str());
    }

    const Json &shape = value["shape"];
    if (!shape.is_array())
        failTensor(fileName, name, "shape is a " + typeName(shape) + ", not an array",
                   kCorruptHint);
    // numel * dtypeSize must fit in int64 (torch sizes); zero dimensions count as 1 here so that a
    // shape like [0, 2^62] is refused too.
    const uint64_t maxElements = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
                                 static_cast<uint64_t>(dtypeSize);
    uint64_t boundedProduct = 1;
    uint64_t numel = 1;
    for (const Json &dim : shape) {
        uint64_t size = 0;
        if (!readUnsigned(dim, &size)) {
            const std::string problem = dim.is_number_integer()
                                            ? "is negative"
                                            : "is a " + typeName(dim) + ", not an integer";
            failTensor(fileName, name, "shape dimension " + excerpt(dim) + " " + problem,
                       kCorruptHint);
        }
        const uint64_t factor = std::max<uint64_t>(size, 1);
        if (size > maxElements || boundedProduct > maxElements / factor) {
            failTensor(fileName, name,
                       "shape " + excerpt(shape) + " has too many elements for dtype " +
                           entry.dtype,
                       kCorruptHint);
        }
        boundedProduct *= factor;
        numel *= size;
        entry.shape.push_back(static_cast<int64_t>(size));
    }

    const Json &offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !readUnsigned(offsets[0], &entry.begin) ||
        !readUnsigned(offsets[1], &entry.end)) {
        failTensor(fileName, name,
                   "data_offsets " + excerpt(offsets) +
                       " is not an array of two non-negative integers",
                   kCorruptHint);
    }
    const std::string range = formatRange(entry.begin, entry.end);
    if (entry.begin > entry.end) {
        failTensor(fileName, name, "data_offsets " + range + ": begin is after end", kCorruptHint);
    }
    if (entry.end > dataSize) {
        failTensor(fileName, name,
                   "data_offsets " + range + " reach past the end of the data section (" +
                       std::to_string(dataSize) + " bytes)",
                   kTruncatedHint);
    }
    const uint64_t expectedBytes = numel * static_cast<uint64_t>(dtypeSize);
    if (entry.end - entry.begin != expectedBytes) {
        failTensor(fileName, name,
                   "data_offsets " + range + " span " + std::to_string(entry.end - entry.begin) +
                       " bytes, which does not match its shape " + formatShape(entry.shape) +
                       " of " + entry.dtype + " (" + std::to_string(expectedBytes) + " bytes)",
                   kCorruptHint);
    }
    return entry;
}

void checkNoOverlap(const std::vector<SafetensorsEntry> &tensors, const std::string &fileName)
{
    std::vector<const SafetensorsEntry *> sorted;
    sorted.reserve(tensors.size());
    for (const SafetensorsEntry &entry : tensors) {
        if (entry.begin < entry.end) // empty ranges cannot overlap anything
            sorted.push_back(&entry);
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto *a, const auto *b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < sorted.size(); ++i) {
        const SafetensorsEntry &previous = *sorted[i - 1];
        const SafetensorsEntry &current = *sorted[i];
        if (current.begin < previous.end) {
            failTensor(fileName, current.name,
                       "data_offsets " + formatRange(current.begin, current.end) +
                           " overlaps tensor " + quotedName(previous.name) + " at " +
                           formatRange(previous.begin, previous.end),
                       kCorruptHint);
        }
    }
}

} // namespace

int safetensorsDtypeSize(std::string_view dtype)
{
    for (const DtypeInfo &info : kDtypes) {
        if (info.name == dtype)
            return info.size;
    }
    return 0;
}

SafetensorsHeader parseSafetensorsHeader(std::string_view json, uint64_t dataSize,
                                         const std::string &fileName)
{
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos)
        failFile(fileName, "the header is empty", kCorruptHint);

    HeaderObserver observer(fileName);
    Json root;
    try {
        root = Json::parse(json.begin(), json.end(), std::ref(observer), true, false);
    } catch (const Json::exception &e) {
        failFile(fileName, "the header is not valid JSON (" + describeJsonError(e) + ")",
                 kCorruptHint);
    }
    if (!root.is_object()) {
        failFile(fileName, "the header is a JSON " + typeName(root) + ", not a JSON object",
                 kCorruptHint);
    }

    SafetensorsHeader header;
    for (const std::string &key : observer.topLevelKeys()) {
        const auto found = root.find(key);
        if (found == root.end())
            continue; // cannot happen: the observer saw every key the parser kept
        const Json &value = *found;
        if (key == "__metadata__")
            readMetadata(value, fileName, &header.metadata);
        else
            header.tensors.push_back(readEntry(key, value, dataSize, fileName));
    }
    checkNoOverlap(header.tensors, fileName);
    return header;
}

SafetensorsHeader parseSafetensorsFile(const uint8_t *data, uint64_t size,
                                       const std::string &fileName, uint64_t *dataOffset)
{
    if (size < 8) {
        failFile(fileName,
                 "the file is only " + std::to_string(size) +
                     " bytes long, shorter than the 8-byte header length",
                 kTruncatedHint);
    }
    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | data[i];
    if (headerSize > kMaxHeaderSize) {
        failFile(fileName,
                 "the header length " + std::to_string(headerSize) + " is above the " +
                     std::to_string(kMaxHeaderSize) + "-byte limit",
                 kCorruptHint);
    }
    if (headerSize > size - 8) {
        failFile(fileName,
                 "the header length " + std::to_string(headerSize) +
                     " is larger than the rest of the file (" + std::to_string(size - 8) +
                     " bytes)",
                 kTruncatedHint);
    }
    const std::string_view json(reinterpret_cast<const char *>(data) + 8,
                                static_cast<size_t>(headerSize));
    SafetensorsHeader header = parseSafetensorsHeader(json, size - 8 - headerSize, fileName);
    if (dataOffset)
        *dataOffset = 8 + headerSize;
    return header;
}

} // namespace sentilab
