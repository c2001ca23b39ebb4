// LearnerTable: every learner a Dataset holds, compactly (issue 24: the server keeps millions),
// and LearnerRef, the handle readers get instead of a `Learner` record.
//
// A learner is a LearnerRow of 40 bytes: codes for its account, role and access level (each
// distinct text kept once), its times inline, and the place of its email and aliases in a text
// arena. Its id is a code in the table's id codes, which also hands codes to learners only
// mentioned (a completion of a learner not imported yet): those have no row in use (`present`
// false) and are not learners until their record arrives. About 130 bytes a learner with its
// indexes, where a `Learner` in a map node with its indexes cost about 475.
//
// Promises: codes never change once handed out and nothing is removed; a learner's list of its
// account (of_account) and the whole table (in_id_order) are in id order; an upsert changes the
// row in place (a changed email or alias list is appended again: the old text stays unused).
// Not thread-safe for writers; concurrent const readers are fine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_table.h"
#include "core/records.h"

namespace uplift {

class LearnerTable;

// A learner held by a LearnerTable (a Dataset's): its fields read through the table, valid while
// the table lives; a write to the table may change what it reads (the owner keeps readers and
// writers apart). Null when default-made (a lookup that found nobody). Used like a pointer to a
// learner — `if (l)`, `l->account()`, `l == nullptr` — so code that held a `const Learner*`
// reads the same.
class LearnerRef {
 public:
  LearnerRef() = default;
  LearnerRef(std::nullptr_t) {}  // NOLINT: compares with nullptr like the pointer it replaces
  LearnerRef(const LearnerTable* table, std::uint32_t code) : table_(table), code_(code) {}

  explicit operator bool() const { return table_ != nullptr; }
  const LearnerRef* operator->() const { return this; }
  const LearnerRef& operator*() const { return *this; }
  friend bool operator==(const LearnerRef&, const LearnerRef&) = default;

  std::string_view id() const;
  std::string_view account() const;
  std::string_view email() const;
  std::string_view role() const;
  std::string_view access_level() const;
  std::optional<Timestamp> created_at() const;
  std::optional<Audience> audience() const;  // unset: the account's audience applies
  std::optional<Timestamp> departed_at() const;
  // Other systems' ids, sorted and unique (records.h: Learner::aliases); the email is an alias too.
  std::vector<std::string_view> aliases() const;
  bool holds_alias(std::string_view alias) const;  // a listed alias or email_alias(email)
  // The learner as a record again (API answers, merges, exports).
  Learner record() const;
  std::uint32_t code() const { return code_; }

 private:
  std::string_view packed() const;  // [email, aliases…], each a varint length and its bytes
  const LearnerTable* table_ = nullptr;
  std::uint32_t code_ = 0;
};

// Learners given by code (an account's, in id order), read as LearnerRefs.
class LearnerList {
 public:
  class iterator {
   public:
    using value_type = LearnerRef;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const LearnerTable* t, const std::uint32_t* at) : t_(t), at_(at) {}
    LearnerRef operator*() const { return LearnerRef(t_, *at_); }
    iterator& operator++() {
      ++at_;
      return *this;
    }
    iterator operator++(int) {
      iterator was = *this;
      ++at_;
      return was;
    }
    bool operator==(const iterator& o) const { return at_ == o.at_; }

   private:
    const LearnerTable* t_ = nullptr;
    const std::uint32_t* at_ = nullptr;
  };
  LearnerList(const LearnerTable* t, const std::vector<std::uint32_t>& codes) : t_(t), codes_(&codes) {}
  iterator begin() const { return iterator(t_, codes_->data()); }
  iterator end() const { return iterator(t_, codes_->data() + codes_->size()); }
  std::size_t size() const { return codes_->size(); }
  bool empty() const { return codes_->empty(); }
  LearnerRef operator[](std::size_t i) const { return LearnerRef(t_, (*codes_)[i]); }

 private:
  const LearnerTable* t_;
  const std::vector<std::uint32_t>* codes_;
};

class LearnerTable {
 public:
  static constexpr std::uint32_t kNone = StringCodes::kNone;

  LearnerTable();

  // Adds or replaces the learner with l.id. Returns false when it is held exactly as `l`. When
  // it was held under another account, *moved_from is that account (else it is left alone).
  bool put(const Learner& l, std::string* moved_from = nullptr);

  // The code of a learner with a record, or kNone.
  std::uint32_t find(std::string_view id) const;
  // The code of an id, a learner or only mentioned, or kNone; intern() hands one out. "" is code
  // 0 (EventTable::kNoLearner).
  std::uint32_t code_of(std::string_view id) const { return ids_.find(id); }
  std::uint32_t intern(std::string_view id) { return intern_id(id); }
  std::size_t code_count() const { return ids_.size(); }
  bool present(std::uint32_t code) const { return code < rows_.size() && rows_[code].present; }
  const std::string& id_of(std::uint32_t code) const { return ids_[code]; }
  LearnerRef ref(std::uint32_t code) const { return LearnerRef(this, code); }

  // The one learner holding `alias` (LearnerRef::holds_alias), or kNone; several: kNone and
  // *ambiguous set.
  std::uint32_t by_alias(std::string_view alias, bool* ambiguous) const;

  // The account's learners, in id order (empty for an unknown account).
  LearnerList of_account(std::string_view account) const;
  // Accounts with at least one learner, sorted.
  std::vector<std::string> accounts() const;
  std::size_t size() const { return size_; }  // learners with a record
  std::size_t alias_slots() const { return aliases_.slots(); }  // the alias index's size (tests)

  // Every learner in id order: visits the codes of the two sorted runs, merged.
  class Order {
   public:
    class iterator {
     public:
      using value_type = LearnerRef;
      using difference_type = std::ptrdiff_t;
      iterator() = default;
      iterator(const LearnerTable* t, const std::uint32_t* a, const std::uint32_t* a_end, const std::uint32_t* b,
               const std::uint32_t* b_end)
          : t_(t), a_(a), a_end_(a_end), b_(b), b_end_(b_end) {}
      LearnerRef operator*() const { return LearnerRef(t_, take_a() ? *a_ : *b_); }
      iterator& operator++() {
        if (take_a()) ++a_;
        else ++b_;
        return *this;
      }
      iterator operator++(int) {
        iterator was = *this;
        ++*this;
        return was;
      }
      bool operator==(const iterator& o) const { return a_ == o.a_ && b_ == o.b_; }

     private:
      bool take_a() const { return b_ == b_end_ || (a_ != a_end_ && t_->ids_[*a_] < t_->ids_[*b_]); }
      const LearnerTable* t_ = nullptr;
      const std::uint32_t *a_ = nullptr, *a_end_ = nullptr, *b_ = nullptr, *b_end_ = nullptr;
    };
    explicit Order(const LearnerTable* t) : t_(t) {}
    iterator begin() const;
    iterator end() const;
    std::size_t size() const { return t_->size_; }
    bool empty() const { return t_->size_ == 0; }

   private:
    const LearnerTable* t_;
  };
  Order in_id_order() const { return Order(this); }

 private:
  friend class LearnerRef;
  static constexpr Timestamp kNoTime = INT64_MIN;
  static constexpr std::uint8_t kNoAudience = 0xff;
  struct Row {
    std::uint64_t texts = 0;  // place in texts_ of [email, aliases…], each a varint length and its bytes
    Timestamp created_at = kNoTime, departed_at = kNoTime;
    std::uint32_t account = 0, role = 0, access_level = 0;  // codes in accounts_, values_, values_
    std::uint8_t audience = kNoAudience;
    bool present = false;
  };
  static_assert(sizeof(Row) == 40);

  std::uint32_t intern_id(std::string_view id);
  void index_alias(std::string_view alias, std::uint32_t code);
  void reindex_aliases();
  void join_order(std::uint32_t code);
  void leave_account(std::uint32_t code);
  void join_account(std::uint32_t code);

  StringCodes ids_;       // learner id → code (index into rows_)
  std::vector<Row> rows_;
  StringCodes accounts_;  // account id → code (index into by_account_)
  StringCodes values_;    // roles and access levels ("" is code 0)
  TextArena texts_;
  std::vector<std::vector<std::uint32_t>> by_account_;  // per account code, learner codes by id
  // Id order in two sorted runs: the settled one, which a learner after its last joins at the end
  // (a store's scan comes in id order), and the recent arrivals out of order (kept small, merged
  // in when they pass kRecentMax), so a new learner never costs a move of all of them.
  std::vector<std::uint32_t> order_, recent_;
  static constexpr std::size_t kRecentMax = 4096;
  // Alias → holders by hash (several codes per hash allowed). Stale slots (an alias the learner
  // no longer holds) stay until the next reindex and are passed over: a lookup keeps the codes
  // whose learner holds the alias.
  CodeSlots aliases_;
  std::size_t size_ = 0;
};

}  // namespace uplift
