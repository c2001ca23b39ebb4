#include "store/mysql/mysql_store.h"

namespace uplift::store {
Result<std::unique_ptr<Store>> open_mysql_store(const MysqlUrl& url) {
  return Status::Unavailable("not yet " + url.redacted());
}
}  // namespace uplift::store
