#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <sentilab/boundedjson.h>
#include <sentilab/error.h>
#include <sentilab/tokenizer.h>

#include "commands.h"

namespace sentilab::cli {
namespace {

// Reads {"text": ...} lines from `in` and writes {"tokens": [...], "ids": [...]} lines to `out`.
// A bad line is reported on `err` with its number and skipped; the result is then 1.
int tokenizeLines(const Tokenizer &tokenizer, std::istream &in, std::ostream &out,
                  std::ostream &err)
{
    std::string line;
    std::size_t lineNumber = 0;
    std::size_t failed = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        try {
            const nlohmann::json input =
                parseJson(line, "stdin line " + std::to_string(lineNumber));
            const auto text = input.is_object() ? input.find("text") : input.end();
            if (!input.is_object() || text == input.end() || !text->is_string())
                throw Error("expected a JSON object with a string \"text\" member");
            const std::vector<int64_t> ids = tokenizer.encode(text->get_ref<const std::string &>());
            nlohmann::ordered_json output;
            output["tokens"] = nlohmann::ordered_json::array();
            for (std::size_t i = 1; i + 1 < ids.size(); ++i)
                output["tokens"].push_back(tokenizer.idToToken(ids[i]));
            output["ids"] = ids;
            out << output.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                << '\n';
        } catch (const Error &e) {
            ++failed;
            const std::string message = e.what();
            // parseJson's messages name the line themselves.
            if (message.rfind("stdin line ", 0) == 0)
                err << "error: " << message << '\n';
            else
                err << "error: stdin line " << lineNumber << ": " << message << '\n';
        }
        // Flush only when about to wait for input, so that a process driving us line by line
        // sees each answer, while piped files are still written in large blocks.
        if (in.rdbuf()->in_avail() <= 0)
            out.flush();
    }
    out.flush();
    if (failed == 0)
        return 0;
    err << "error: " << failed << " of " << lineNumber
        << " input lines could not be tokenized (see above)\n";
    return 1;
}

} // namespace

void addTokenizeCommand(CLI::App &app, int &exitCode)
{
    auto vocabPath = std::make_shared<std::string>();
    CLI::App *command = app.add_subcommand(
        "tokenize", "Tokenize JSON lines from stdin with the BERT uncased WordPiece tokenizer "
                    "(identical to Hugging Face's BertTokenizer)");
    command
        ->add_option("--vocab", *vocabPath,
                     "vocab.txt of the model, one token per line "
                     "(e.g. ../shared/models/distilbert-base-uncased/vocab.txt)")
        ->required();
    command->footer(
        "Input: one JSON object per line with a string \"text\" member; blank lines are skipped.\n"
        "Output: one JSON line per input line: {\"tokens\": [word pieces], \"ids\": [101, ..., "
        "102]}\n"
        "(ids include [CLS] and [SEP]; nothing is truncated).\n"
        "A line that is not such an object, or whose text is not valid UTF-8, is reported on\n"
        "stderr with its line number and skipped; the exit code is then 1.\n"
        "Example:\n"
        "  echo '{\"text\": \"a gripping, funny film\"}' | sentilab-cli tokenize --vocab "
        "vocab.txt");
    command->callback([vocabPath, &exitCode] {
        const Tokenizer tokenizer = Tokenizer::fromVocabFile(*vocabPath);
        exitCode = tokenizeLines(tokenizer, std::cin, std::cout, std::cerr);
    });
}

} // namespace sentilab::cli
