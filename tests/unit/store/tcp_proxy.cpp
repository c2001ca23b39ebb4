#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

namespace uplift::testing {

int TcpProxy::start(int port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 16) != 0)
    throw std::runtime_error("proxy: cannot listen");
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  if (pipe(wake_) != 0) throw std::runtime_error("proxy: pipe");
  thread_ = std::thread([this] { loop(); });
  return ntohs(a.sin_port);
}

void TcpProxy::stop() {
  if (!thread_.joinable()) return;
  char x = 0;
  (void)!write(wake_[1], &x, 1);
  thread_.join();
  close(wake_[0]);
  close(wake_[1]);
  close(listen_fd_);
  listen_fd_ = -1;
}

void TcpProxy::loop() {
  std::vector<std::pair<int, int>> links;  // (client, upstream)
  for (;;) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (auto [c, u] : links) {
      fds.push_back({c, POLLIN, 0});
      fds.push_back({u, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents) break;
    const std::size_t polled = links.size();  // links that have entries in fds
    if (fds[1].revents & POLLIN) {
      int c = accept(listen_fd_, nullptr, nullptr);
      int u = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(upstream_));
      if (c >= 0 && connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        links.emplace_back(c, u);
      } else {
        if (c >= 0) close(c);
        close(u);
      }
    }
    std::vector<std::pair<int, int>> alive;
    for (std::size_t i = 0; i < links.size(); ++i) {
      auto [c, u] = links[i];
      bool ok = true;
      if (i >= polled) {  // accepted this round: nothing polled yet
        alive.emplace_back(c, u);
        continue;
      }
      for (int side = 0; side < 2 && ok; ++side) {
        const pollfd& p = fds[2 + 2 * i + side];
        if (!p.revents) continue;
        char buf[16384];
        ssize_t n = read(p.fd, buf, sizeof buf);
        int to = side == 0 ? u : c;
        ok = n > 0 && write(to, buf, static_cast<size_t>(n)) == n;
      }
      if (ok) {
        alive.emplace_back(c, u);
      } else {
        close(c);
        close(u);
      }
    }
    links.swap(alive);
  }
  for (auto [c, u] : links) {
    shutdown(c, SHUT_RDWR);
    close(c);
    close(u);
  }
}

}  // namespace uplift::testing
