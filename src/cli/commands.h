// How `uplift` subcommands plug in: each src/cli/cmd_*.cpp defines a setup function that adds
// its subcommand to the CLI11 app and registers it with UPLIFT_COMMAND. main() runs every
// registered setup in name order, parses, and returns the exit code the chosen command stored.
// Each command file keeps its helpers in its own namespace, `uplift::cli::cmd_<name>`: the unity
// build compiles several command files as one unit, where two anonymous `run`s would collide.
//
// Exit codes: 0 success, 1 the command ran and found a problem (rejected lines, invalid graph),
// 2 usage or configuration error (bad flag, unreadable file, database refused).
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace uplift::cli {

// Where a command writes its exit code; main() returns it.
int& exit_code();

using CommandSetup = std::function<void(CLI::App& app)>;
bool register_command(const std::string& name, CommandSetup setup);

// The --db option every command that touches the database shares.
void add_db_option(CLI::App& cmd, std::string& url);

}  // namespace uplift::cli

#define UPLIFT_COMMAND(name, fn) \
  static const bool uplift_command_registered_##name = ::uplift::cli::register_command(#name, fn)
