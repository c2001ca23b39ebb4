#include <cstdio>
#include <map>

#include "cli/commands.h"

namespace uplift::cli {

int& exit_code() {
  static int code = 0;
  return code;
}

static std::map<std::string, CommandSetup>& registry() {
  static std::map<std::string, CommandSetup> r;
  return r;
}

bool register_command(const std::string& name, CommandSetup setup) {
  registry()[name] = std::move(setup);
  return true;
}

void add_db_option(CLI::App& cmd, std::string& url) {
  cmd.add_option("--db", url,
                 "database URL: sqlite:PATH (default sqlite:uplift.db, or $UPLIFT_DB) or "
                 "mysql://user[:pass]@host:port/db (password may come from $UPLIFT_DB_PASSWORD)");
}

}  // namespace uplift::cli

int main(int argc, char** argv) {
  CLI::App app{"uplift: product-adoption milestones, learning-path recommendations and training ROI"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "uplift 0.1.0");
  for (auto& [name, setup] : uplift::cli::registry()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return uplift::cli::exit_code();
}
