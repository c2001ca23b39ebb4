// The front door with several lanes (CheckedServerSocket): connections are dealt to every lane,
// each lane answers its connections' front-desk requests and passes the others to the hub for a
// worker, and a connection a worker gives back returns to its lane. Keep-alive clients on many
// connections mix both kinds of request; every answer must be the one asked for, in order. Also
// run under ThreadSanitizer (./run test's TSan job).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include "http/checked_socket.h"

using namespace uplift;

namespace {

// A worker's answer: "worker ", the target and the body's size. A desk path gets the desk's
// answer (as in the server, where a worker holding a keep-alive connection answers the learner
// reads that arrive on it itself).
class EchoHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    std::string body;
    Poco::StreamCopier::copyToString(req.stream(), body);
    const std::string text = req.getURI().starts_with("/desk/")
                                 ? "desk " + req.getURI()
                                 : "worker " + req.getURI() + " " + std::to_string(body.size());
    resp.setContentType("text/plain");
    resp.setContentLength(static_cast<std::streamsize>(text.size()));
    resp.send() << text;
  }
};

class EchoFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new EchoHandler;
  }
};

struct Exchange {
  int status = 0;
  std::string body;
};

Exchange exchange(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& target,
                  const std::string& body = "") {
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  req.setKeepAlive(true);
  if (!body.empty() || method == "POST") req.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  std::istream& in = session.receiveResponse(resp);
  Exchange out;
  out.status = static_cast<int>(resp.getStatus());
  Poco::StreamCopier::copyToString(in, out.body);
  return out;
}

}  // namespace

TEST_CASE("a front door of three lanes: desk answers and worker answers on every connection, in order") {
  std::mutex desk_mu;
  std::set<std::thread::id> desk_threads;
  std::map<std::string, std::set<std::thread::id>> desk_threads_of;  // by client
  std::atomic<int> desk_answers{0};
  http::ConnectionLimits limits;
  limits.max_connections_per_client = 64;
  http::CheckedServerSocket socket(
      limits,
      [&](const http::FrontRequest& fr) -> std::optional<http::HttpResponse> {
        if (fr.method != "GET" || !fr.target.starts_with("/desk/")) return std::nullopt;
        {
          const std::string_view id = fr.target.substr(6);
          std::lock_guard lock(desk_mu);
          desk_threads.insert(std::this_thread::get_id());
          desk_threads_of[std::string(id.substr(0, id.find('-')))].insert(std::this_thread::get_id());
        }
        ++desk_answers;
        http::HttpResponse r;
        r.content_type = "text/plain";
        r.body = "desk " + std::string(fr.target);
        return r;
      },
      3);
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  socket.listen(64);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);
  Poco::ThreadPool pool(2, 6);
  Poco::Net::HTTPServer server(new EchoFactory, pool, socket, params);
  socket.set_queue_probe([&server] { return server.queuedConnections(); });
  server.start();
  const auto port = socket.address().port();

  constexpr int kClients = 12, kRounds = 40;
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        session.setKeepAlive(true);
        session.setTimeout(Poco::Timespan(10, 0));  // a lost hand-off fails the test, not hangs it
        for (int i = 0; i < kRounds; ++i) {
          const std::string id = std::to_string(c) + "-" + std::to_string(i);
          // Two desk reads, a worker read and a worker write with a body, on the same connection.
          auto a = exchange(session, "GET", "/desk/" + id);
          auto b = exchange(session, "GET", "/desk/" + id + "?again");
          auto w = exchange(session, "GET", "/work/" + id);
          auto p = exchange(session, "POST", "/work/" + id, std::string(100 + i, 'x'));
          if (a.status != 200 || a.body != "desk /desk/" + id) ++wrong;
          if (b.status != 200 || b.body != "desk /desk/" + id + "?again") ++wrong;
          if (w.status != 200 || w.body != "worker /work/" + id + " 0") ++wrong;
          if (p.status != 200 || p.body != "worker /work/" + id + " " + std::to_string(100 + i)) ++wrong;
        }
      } catch (const std::exception& e) {
        ++failed;
        MESSAGE("client " << c << ": " << e.what());
      }
    });
  }
  for (auto& t : clients) t.join();

  // Connections the lanes hold at shutdown: idle ones, and one halfway through its head. Each is
  // closed (a whole request waiting would get a 503 first); none is left open.
  std::vector<Poco::Net::StreamSocket> held;
  for (int i = 0; i < 6; ++i) held.emplace_back(Poco::Net::SocketAddress("127.0.0.1", port));
  held[4].sendBytes("GET /desk/held HTTP/1.1\r\nHost: x\r\n", 34);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // accepted and dealt
  server.stopAll(false);
  pool.joinAll();
  socket.shut_down();
  for (auto& h : held) {
    h.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string got;
    char buf[512];
    int n = 0;
    try {
      while ((n = h.receiveBytes(buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
    } catch (const Poco::Exception& e) {
      FAIL("a held connection was not closed at shutdown: " << e.displayText());
    }
    CHECK((got.empty() || got.starts_with("HTTP/1.1 503")));
  }

  CHECK(failed == 0);
  CHECK(wrong == 0);
  CHECK(desk_answers > 0);
  // Twelve connections dealt in turn to three lanes: every lane answered at its desk, and each
  // connection only ever at its own lane's (it returns there from the workers).
  CHECK(desk_threads.size() == 3);
  for (const auto& [client_, threads] : desk_threads_of) {
    const auto& client = client_;  // a named variable: doctest captures in a lambda
    CAPTURE(client);
    CHECK(threads.size() == 1);
  }
}
