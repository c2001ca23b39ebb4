#include "store/codec.h"

#include "core/fast_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/record_json.h"

namespace uplift::store {

std::string props_text(const Event& e) {
  if (e.props.is_null() || (e.props.is_object() && e.props.empty())) return "{}";
  return e.props.dump();
}

namespace {
using PropsSerializer = nlohmann::detail::serializer<nlohmann::json>;

// Printable ASCII without '"' or '\\': JSON text as it stands, and dump() writes it unchanged.
bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  return true;
}

// Nearly all props are a flat object of such strings; writes those exactly as dump() would
// ({"k":"v",...}, keys in the object's order) and returns false on anything else.
bool write_plain_object(const nlohmann::json& props, std::string& out) {
  if (!props.is_object()) return false;
  out += '{';
  for (const auto& [key, value] : props.get_ref<const nlohmann::json::object_t&>()) {
    if (!value.is_string()) return false;
    const auto& text = value.get_ref<const std::string&>();
    if (!plain_ascii(key) || !plain_ascii(text)) return false;
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;
    out += "\":\"";
    out += text;
    out += '"';
  }
  out += '}';
  return true;
}
}  // namespace

PropsWriter::PropsWriter()
    : serializer_(std::make_shared<PropsSerializer>(nlohmann::detail::output_adapter<char>(buf_), ' ')) {}

std::string_view PropsWriter::text(const Event& e) {
  if (e.props.is_null() || (e.props.is_object() && e.props.empty())) return "{}";
  buf_.clear();
  if (write_plain_object(e.props, buf_)) return buf_;
  buf_.clear();
  // Exactly what json::dump() does (no indent, UTF-8 kept, strict on invalid UTF-8).
  static_cast<PropsSerializer*>(serializer_.get())->dump(e.props, false, false, 0);
  return buf_;
}

std::string entity_body(const Record& r) { return record_to_json(r).dump(); }

Result<Record> decode_entity(RecordKind kind, std::string_view key, std::string_view body) {
  Record fast;
  if (record_from_text_fast(body, kind, fast)) return fast;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::Internal(fmt::format("stored {} '{}' is not valid JSON", kind_name(kind), key));
  RecordOrError r = record_from_json(j, kind);
  if (!r.ok())
    return Status::Internal(fmt::format("stored {} '{}' does not decode: {}: {}", kind_name(kind), key,
                                        r.error.field, r.error.reason));
  return std::move(*r.record);
}

Result<std::string_view> props_object_text(std::string_view text, std::string_view event_id, std::string& canonical) {
  if (text == "{}" || text.empty()) return std::string_view("{}");
  // Taken as it is only when it cannot be written more tightly and holds no escapes (where JSON
  // parsers differ): as uplift writes props. Anything else is re-written by nlohmann, which decides.
  if (text.find_first_of(" \t\r\n\\") == std::string_view::npos) try {
    fast_json::dom::object object;
    fast_json::check(fast_json::parse(text).get(object));
    return object.size() == 0 ? std::string_view("{}") : text;
  } catch (const fast_json::Decline&) {
    // Not what simdjson takes as it is: nlohmann decides, as decode_props does.
  }
  Event e;
  e.id = std::string(event_id);
  Status st = decode_props(text, e);
  if (!st.ok()) return st;
  canonical = props_text(e);
  return std::string_view(canonical);
}

Status decode_props(std::string_view text, Event& e) {
  if (text == "{}" || text.empty()) {
    e.props = nlohmann::json::object();
    return Status::OK();
  }
  e.props = nlohmann::json::parse(text, nullptr, false);
  if (e.props.is_discarded() || !e.props.is_object())
    return Status::Internal(fmt::format(
        "stored event '{}' has props that are not a JSON object (`uplift doctor` names every such row and "
        "`uplift doctor --repair` restores them)",
        e.id));
  return Status::OK();
}

}  // namespace uplift::store
