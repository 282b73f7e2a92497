// `sentilab-cli download model|dataset REPO`: fetch a hub repo into the Hugging Face cache with a
// progress line; Ctrl+C stops cleanly and the next run resumes.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <sentilab/error.h>
#include <sentilab/hubclient.h>

#include "commands.h"
#include "interruptguard.h"
#include "progressbar.h"

namespace sentilab::cli {
namespace {

struct DownloadArgs
{
    std::string kind;
    std::string repo;
    std::string revision = "main";
    std::vector<std::string> files;
    std::string cacheDir;
    std::string endpoint;
    bool offline = false;
    long stallSeconds = 30;
    int retries = 3;
};

std::string formatBytes(double bytes)
{
    char text[32];
    if (bytes >= 1e9)
        std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
    else if (bytes >= 1e3)
        std::snprintf(text, sizeof text, "%.1f kB", bytes / 1e3);
    else
        std::snprintf(text, sizeof text, "%.0f B", bytes);
    return text;
}

int runDownload(const DownloadArgs &a)
{
    const RepoKind kind = a.kind == "dataset" ? RepoKind::Dataset : RepoKind::Model;
    HubOptions options;
    options.revision = a.revision;
    options.files = a.files;
    options.cacheDir = a.cacheDir;
    options.endpoint = a.endpoint;
    options.offline = a.offline;
    options.lowSpeedSeconds = a.stallSeconds;
    options.resumeRetries = a.retries;

    std::printf("%s %s from %s into %s\n", a.kind.c_str(), a.repo.c_str(),
                hubEndpoint(options).c_str(), repoCacheDir(a.repo, kind, options).c_str());
    std::fflush(stdout);

    std::unique_ptr<ProgressBar> bar;
    std::string barFile;
    auto onProgress = [&](const DownloadProgress &p) {
        if (!p.message.empty()) { // a wait for a busy hub or a warning: one line, bar kept
            if (bar)
                bar->message(p.message);
            else
                std::fprintf(stderr, "%s\n", p.message.c_str());
            return;
        }
        if (!bar || barFile != p.file) {
            if (bar)
                bar->finish();
            barFile = p.file;
            bar = std::make_unique<ProgressBar>("[" + std::to_string(p.fileIndex + 1) + "/" +
                                                std::to_string(p.fileCount) + "] " + p.file);
        }
        std::string detail = formatBytes(double(p.fileBytes));
        if (p.fileTotal >= 0)
            detail += " of " + formatBytes(double(p.fileTotal));
        if (p.bytesPerSecond > 0)
            detail += "  " + formatBytes(p.bytesPerSecond) + "/s";
        if (p.allTotal > 0 && p.fileCount > 1)
            detail += "  all " +
                      std::to_string(int(100.0 * double(p.allBytes) / double(p.allTotal))) + "%";
        bar->update(p.fileBytes, std::max<int64_t>(p.fileTotal, 0), detail, p.etaSeconds);
    };

    DownloadResult result;
    try {
        const InterruptGuard interrupt; // Ctrl+C stops within about a second, keeping .incomplete
        result = downloadRepo(a.repo, kind, options, onProgress, interrupt.flag());
    } catch (const DownloadCancelled &e) {
        if (bar)
            bar->finish();
        std::printf("%s (partial data is kept in %s/blobs/*.incomplete)\n", e.what(),
                    repoCacheDir(a.repo, kind, options).c_str());
        return 130;
    } catch (...) {
        if (bar)
            bar->finish();
        throw;
    }
    if (bar)
        bar->finish();

    for (const std::string &note : result.notes)
        std::printf("note: %s\n", note.c_str());
    std::printf("%s %s at commit %s: %zu files (%s fetched) in\n  %s\n", a.kind.c_str(),
                a.repo.c_str(), result.commit.c_str(), result.files.size(),
                formatBytes(double(result.bytesDownloaded)).c_str(), result.snapshotDir.c_str());
    if (kind == RepoKind::Model)
        std::printf(
            "Experiments with model.pretrained_dir empty find distilbert-base-uncased there "
            "through the Hugging Face cache; for another model set "
            "model.pretrained_dir to that folder.\n");
    else
        std::printf("Experiments with data.dir empty (and SENTILAB_DATA_DIR unset) find it there "
                    "through the Hugging Face cache; or train on it with --set data.dir=%s.\n",
                    result.snapshotDir.c_str());
    return 0;
}

std::string helpFooter()
{
    std::string cache;
    try {
        cache = hubCacheDir(HubOptions{});
    } catch (const Error &) {
        cache = "(HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME and HOME are unset)";
    }
    return "Where files go: the Hugging Face cache, shared with Python's transformers and "
           "huggingface_hub\n(here: " +
           cache +
           "):\n"
           "  models--<org>--<name>/snapshots/<commit>/<file>  (datasets: "
           "datasets--<org>--<name>)\n"
           "  models--<org>--<name>/refs/main                  the commit 'main' points at\n"
           "Files already there (e.g. fetched by Python) are reused; Python reuses ours. An "
           "interrupted\ndownload (Ctrl+C, network) stays in blobs/*.incomplete and the next run "
           "resumes it.\nLarge (LFS) files are checked against the sha256 the hub lists.\n\n"
           "Environment:\n"
           "  HF_HUB_CACHE    cache root (older name: HUGGINGFACE_HUB_CACHE); else $HF_HOME/hub,\n"
           "  HF_HOME         else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub\n"
           "  HF_ENDPOINT     hub URL, e.g. a mirror (default https://huggingface.co)\n"
           "  HF_TOKEN        access token for private or gated repos (else $HF_HOME/token);\n"
           "                  never printed or stored by SentiLab\n"
           "  HF_HUB_OFFLINE  1 = never use the network, only the cache\n"
           "  https_proxy     proxy, as for curl\n\n"
           "Without network, set it up by hand: copy config.json, vocab.txt and "
           "model.safetensors of\ndistilbert-base-uncased (from "
           "https://huggingface.co/distilbert-base-uncased/tree/main, e.g. on\nanother machine) "
           "into " +
           cache +
           "/models--distilbert-base-uncased/snapshots/manual/\nand write the "
           "word manual into " +
           cache +
           "/models--distilbert-base-uncased/refs/main\n"
           "(or put them in any folder and set model.pretrained_dir). For SST-2 put train.jsonl, "
           "validation.jsonl\nand test.jsonl in a folder and set data.dir or SENTILAB_DATA_DIR.\n\n"
           "Examples:\n"
           "  sentilab-cli download model distilbert-base-uncased\n"
           "  sentilab-cli download model distilbert-base-uncased --file config.json --file "
           "vocab.txt\n"
           "      (what a scratch run needs: the tokenizer and configuration, no weights)\n"
           "  sentilab-cli download dataset SetFit/sst2\n";
}

} // namespace

void addDownloadCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "download", "Download a model or dataset from the Hugging Face hub into the Hugging Face "
                    "cache (progress, resume, sha256 check)");
    auto a = std::make_shared<DownloadArgs>();
    cmd->add_option("kind", a->kind, "model or dataset")
        ->required()
        ->check(CLI::IsMember({"model", "dataset"}));
    cmd->add_option("repo", a->repo,
                    "Repo id, e.g. distilbert-base-uncased (model) or SetFit/sst2 (dataset)")
        ->required();
    cmd->add_option("--revision", a->revision, "Branch, tag or commit")->capture_default_str();
    cmd->add_option("--file", a->files,
                    "Fetch only this repo path (repeatable); default: config.json, vocab.txt, "
                    "model.safetensors, tokenizer_config.json for a model, all data files for a "
                    "dataset");
    cmd->add_option("--cache-dir", a->cacheDir,
                    "Hub cache root instead of $HF_HUB_CACHE / $HF_HOME/hub");
    cmd->add_option("--endpoint", a->endpoint, "Hub URL instead of $HF_ENDPOINT");
    cmd->add_flag("--offline", a->offline, "Use the cache only, like HF_HUB_OFFLINE=1");
    cmd->add_option("--stall-timeout", a->stallSeconds,
                    "Seconds without data before a transfer is abandoned (0 = never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--retries", a->retries,
                    "Automatic resumes of a file after a dropped connection")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->footer(helpFooter());
    cmd->callback([a, &exitCode] { exitCode = runDownload(*a); });
}

} // namespace sentilab::cli
