/*
 * cli.c - the mintline entry point: THE subcommand table, dispatch, help,
 * and the globals resolved once (flags beat environment beat defaults).
 *
 * Help, usage lines, argument checks and the command submitter all read the
 * rows below; nothing about a subcommand's shape is written anywhere else.
 */
#include "cli.h"

#include <curl/curl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/err.h"
#include "../node/node_internal.h"
#include "../node/yaml_json.h"
#include "cli_args.h"
#include "cli_argval.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_config.h"
#include "cli_conv.h"
#include "cli_out.h"

#define CLI_NODE_DEFAULT "http://127.0.0.1:8645"

/* clang-format off: the table reads best one row to a few lines. */
#define POS(m, f)                                                                                  \
    { m, f, 1 }
#define POS_OPT(m, f)                                                                              \
    { m, f, 0 }
#define VAL(n, m)                                                                                  \
    { n, m, CLI_FLAG_VALUE }
#define REQ(n, m)                                                                                  \
    { n, m, CLI_FLAG_VALUE | CLI_FLAG_REQUIRED }
#define FLAG(n)                                                                                    \
    { n, NULL, CLI_FLAG_BOOL }

static const struct cli_cmd cli_rows[] = {
    {.words = "init",
     .run = cli_cmd_init,
     .flags = {VAL("data", "DIR"), VAL("store", "URL"), REQ("genesis", "FILE"),
               VAL("clock", "manual")},
     .help = "create a ledger whose block 0 holds the genesis (YAML)",
     .more = "DIR defaults to $MINTLINE_HOME/data; a DIR holding a ledger is refused.\n"
             "--store postgres://USER@HOST/DB puts the journal in PostgreSQL (its schema made\n"
             "there; DIR keeps the system key): docs/operators/high-availability.md.\n"
             "--clock manual makes a drill ledger: time moves only by `dev advance`, and only\n"
             "such a ledger can be served with --clock manual (recorded in block 0)."},
    {.words = "serve",
     .run = cli_cmd_serve,
     .flags = {VAL("data", "DIR"), VAL("store", "URL"), VAL("listen", "HOST:PORT"),
               VAL("clock", "manual"), VAL("alert-rules", "FILE"), VAL("eval-interval", "D"),
               VAL("backup-dir", "DIR"), VAL("backup-every", "D"), VAL("backup-keep", "N"),
               VAL("advertise", "URL")},
     .help = "run the node: recover the ledger, then serve the API until SIGINT/SIGTERM",
     .more = "The clock is the ledger's, recorded at init: a drill ledger (init --clock manual)\n"
             "is served on a manual clock, where time stands at the last block and only\n"
             "`dev advance` moves it; a wall-clock ledger refuses --clock manual.\n"
             "--alert-rules FILE merges FILE over the built-in alert rules (refused with exit 2\n"
             "as `alerts rules --check` refuses it); the rules are evaluated every\n"
             "--eval-interval (default 15s) on a wall clock, after every block on a manual one.\n"
             "--config FILE: the alert receivers of its alerting: section\n"
             "(docs/operators/receivers.md); a bad section is refused before the node starts.\n"
             "--backup-dir DIR: scheduled backups into DIR every --backup-every (24h), keeping\n"
             "the newest --backup-keep (7) (docs/operators/backup.md).\n"
             "--listen defaults to $MINTLINE_LISTEN, else 127.0.0.1:8645.\n"
             "--store postgres://USER@HOST/DB serves the ledger init made there; several\n"
             "nodes may: the one holding the database's lock leads, the others follow and\n"
             "answer writes with ERR_NOT_LEADER naming the leader's --advertise URL\n"
             "(default http://LISTEN) (docs/operators/high-availability.md)."},
    {.words = "audit verify",
     .run = cli_cmd_audit_verify,
     .flags = {VAL("data", "DIR"), VAL("store", "URL"), VAL("from-height", "H"),
               VAL("expect-head", "HASH")},
     .help = "re-check every block hash, state hash and command signature in the store",
     .more = "With --data DIR (or --store postgres://...) it reads the store directly; without,\n"
             "it downloads the node's\n"
             "journal (GET /api/journal, role auditor or admin) and verifies it locally.\n"
             "--from-height H --expect-head HASH: block H must still have the head hash\n"
             "recorded earlier (docs/operators/audit.md: the tail cut)."},
    {.words = "key new",
     .run = cli_cmd_key_new,
     .pos = {POS("NAME", NULL)},
     .help = "create an operator key and print its public key",
     .more = "Writes $MINTLINE_HOME/keys/NAME.key (mode 0600); never overwrites one."},
    {.words = "key show",
     .run = cli_cmd_key_show,
     .pos = {POS("NAME", NULL)},
     .help = "print the public key of a stored operator key"},
    {.words = "status",
     .run = cli_cmd_status,
     .pos = {POS_OPT("SYM", NULL)},
     .help = "node and asset status: supply, cap, daily limits, holders, pauses"},
    {.words = "mint",
     .run = cli_cmd_submit,
     .op = "mint",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("to", "ADDR"), REQ("amount", "A"), VAL("partition", "P")},
     .help = "create tokens for an address",
     .done = "minted {amount} {asset}{partition? (%)} to {to}",
     .dry = "mint {amount} {asset}{partition? (%)} to {to}"},
    {.words = "burn",
     .run = cli_cmd_submit,
     .op = "burn",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("from", "ADDR"), REQ("amount", "A"), VAL("partition", "P")},
     .help = "destroy tokens held by an address",
     .done = "burned {amount} {asset}{partition? (%)} from {from}",
     .dry = "burn {amount} {asset}{partition? (%)} from {from}"},
    {.words = "transfer",
     .run = cli_cmd_submit,
     .op = "transfer",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("from", "ADDR"), REQ("to", "ADDR"), REQ("amount", "A"), VAL("partition", "P")},
     .help = "move tokens between holders on their instruction",
     .done = "transferred {amount} {asset}{partition? (%)} from {from} to {to}",
     .dry = "transfer {amount} {asset}{partition? (%)} from {from} to {to}"},
    {.words = "pause",
     .run = cli_cmd_submit,
     .op = "pause",
     .pos = {POS_OPT("SYM", "asset")},
     .help = "stop mint, burn and transfer of one asset, or of everything",
     .done = "paused {asset|everything}",
     .dry = "pause {asset|everything}"},
    {.words = "unpause",
     .run = cli_cmd_submit,
     .op = "unpause",
     .pos = {POS_OPT("SYM", "asset")},
     .help = "lift the pause of one asset, or the global one",
     .done = "unpaused {asset|everything}",
     .dry = "unpause {asset|everything}"},
    {.words = "dev advance",
     .run = cli_cmd_submit,
     .op = "dev.advance",
     .pos = {POS("DURATION", "duration")},
     .help = "move the ledger clock forward (90s, 15m, 2h, 1d)",
     .more = "Only a node started with `serve --clock manual` accepts it.",
     .done = "advanced the ledger clock by {duration}",
     .dry = "advance the ledger clock by {duration}"},
    {.words = "mint-halt",
     .run = cli_cmd_submit,
     .op = "mint_halt",
     .pos = {POS("SYM", "asset")},
     .help = "stop minting of one asset (burns and transfers go on)",
     .done = "halted minting of {asset}",
     .dry = "halt minting of {asset}"},
    {.words = "mint-resume",
     .run = cli_cmd_submit,
     .op = "mint_resume",
     .pos = {POS("SYM", "asset")},
     .help = "lift a minting halt (two operators by default)",
     .done = "resumed minting of {asset}",
     .dry = "resume minting of {asset}"},
    {.words = "caps set",
     .run = cli_cmd_submit,
     .op = "caps.set",
     .pos = {POS("SYM", "asset")},
     .flags = {VAL("supply-cap", "A"), VAL("daily-mint-limit", "A"), VAL("daily-inflow-limit", "A")},
     .help = "change an asset's supply cap and daily limits (timelocked, 24h by default)",
     .done = "set the limits of {asset}",
     .dry = "set the limits of {asset}"},
    {.words = "role grant",
     .run = cli_cmd_submit,
     .op = "role.grant",
     .pos = {POS("NAME", "name"), POS("ROLE", "role")},
     .flags = {VAL("asset", "SYM")},
     .help = "give an operator a role, globally or for one asset (timelocked)",
     .done = "granted {role} to {name}{asset? for %}",
     .dry = "grant {role} to {name}{asset? for %}"},
    {.words = "role revoke",
     .run = cli_cmd_submit,
     .op = "role.revoke",
     .pos = {POS("NAME", "name"), POS("ROLE", "role")},
     .flags = {VAL("asset", "SYM")},
     .help = "take a role away, globally or for one asset (timelocked)",
     .done = "revoked {role} from {name}{asset? for %}",
     .dry = "revoke {role} from {name}{asset? for %}"},
    {.words = "policy set",
     .run = cli_cmd_submit,
     .op = "policy.set",
     .pos = {POS("OP", "target_op")},
     .flags = {VAL("asset", "SYM"), VAL("approvals", "K"), VAL("timelock", "D")},
     .help = "set the approvals and delay an op needs (itself timelocked)",
     .done = "set the policy of {target_op}{asset? for %}",
     .dry = "set the policy of {target_op}{asset? for %}"},
    {.words = "policy list",
     .run = cli_cmd_policy_list,
     .help = "the policy of every op: approvals and timelock, default or set"},
    {.words = "proposals",
     .run = cli_cmd_proposals,
     .help = "commands waiting for approvals"},
    {.words = "approve",
     .run = cli_cmd_submit,
     .op = "approve",
     .pos = {POS("ID", "id")},
     .help = "approve a proposal; at its last approval it runs (or enters the timelock)",
     .done = "approved proposal {id}",
     .dry = "approve proposal {id}"},
    {.words = "cancel",
     .run = cli_cmd_submit,
     .op = "cancel",
     .pos = {POS("ID", "id")},
     .help = "cancel a proposal (its proposer, an admin or the controller)",
     .done = "cancelled proposal {id}",
     .dry = "cancel proposal {id}"},
    {.words = "timelock",
     .run = cli_cmd_timelock_list,
     .help = "commands scheduled in the timelock, with their eta"},
    {.words = "timelock execute",
     .run = cli_cmd_submit,
     .op = "timelock.execute",
     .pos = {POS("ID", "id")},
     .help = "run a scheduled command once its eta has passed",
     .done = "executed timelock entry {id}",
     .dry = "execute timelock entry {id}"},
    {.words = "timelock cancel",
     .run = cli_cmd_submit,
     .op = "timelock.cancel",
     .pos = {POS("ID", "id")},
     .help = "cancel a scheduled command (admins, the controller)",
     .done = "cancelled timelock entry {id}",
     .dry = "cancel timelock entry {id}"},
    {.words = "operator add",
     .run = cli_cmd_submit,
     .op = "operator.add",
     .pos = {POS("NAME", "name")},
     .flags = {REQ("pubkey", "HEX")},
     .help = "add an operator by its public key (timelocked, 24h by default)",
     .done = "added operator {name}",
     .dry = "add operator {name}"},
    {.words = "operator remove",
     .run = cli_cmd_submit,
     .op = "operator.remove",
     .pos = {POS("NAME", "name")},
     .help = "remove an operator: its key stops working, its roles go (timelocked)",
     .done = "removed operator {name}",
     .dry = "remove operator {name}"},
    {.words = "operator rotate-key",
     .run = cli_cmd_submit,
     .op = "operator.rotate_key",
     .pos = {POS("NAME", "name")},
     .flags = {REQ("pubkey", "HEX")},
     .help = "replace an operator's key; the old one stops working then (timelocked)",
     .done = "rotated the key of {name}",
     .dry = "rotate the key of {name}"},
    {.words = "operator list",
     .run = cli_cmd_operator_list,
     .help = "operators: roles, key age, the controller"},
    {.words = "controller propose",
     .run = cli_cmd_submit,
     .op = "controller.propose",
     .pos = {POS("NAME", "name")},
     .help = "the controller names its successor, who must accept",
     .done = "proposed {name} as controller",
     .dry = "propose {name} as controller"},
    {.words = "controller accept",
     .run = cli_cmd_submit,
     .op = "controller.accept",
     .help = "take the controller role you were proposed for",
     .done = "accepted the controller role",
     .dry = "accept the controller role"},
    {.words = "blacklist add",
     .run = cli_cmd_submit,
     .op = "blacklist.add",
     .pos = {POS("ADDR", "address")},
     .help = "bar an address from sending, receiving and minting (two operators)",
     .done = "blacklisted {address}",
     .dry = "blacklist {address}"},
    {.words = "blacklist remove",
     .run = cli_cmd_submit,
     .op = "blacklist.remove",
     .pos = {POS("ADDR", "address")},
     .help = "lift a blacklisting (two operators)",
     .done = "removed {address} from the blacklist",
     .dry = "remove {address} from the blacklist"},
    {.words = "freeze",
     .run = cli_cmd_submit,
     .op = "freeze",
     .pos = {POS("ADDR", "address")},
     .flags = {VAL("asset", "SYM"), VAL("amount", "A")},
     .help = "freeze an address: all assets, one (--asset), or an amount (--amount)",
     .done = "froze {amount?% of }{asset?% for }{address}",
     .dry = "freeze {amount?% of }{asset?% for }{address}"},
    {.words = "unfreeze",
     .run = cli_cmd_submit,
     .op = "unfreeze",
     .pos = {POS("ADDR", "address")},
     .flags = {VAL("asset", "SYM"), VAL("amount", "A")},
     .help = "lift a freeze: of the address, one asset, or an amount",
     .done = "unfroze {amount?% of }{asset?% for }{address}",
     .dry = "unfreeze {amount?% of }{asset?% for }{address}"},
    {.words = "forced-transfer",
     .run = cli_cmd_submit,
     .op = "forced_transfer",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("from", "ADDR"), REQ("to", "ADDR"), REQ("amount", "A"), VAL("partition", "P")},
     .help = "move tokens on an agent's order (unfreezing what the free balance lacks)",
     .more = "A security asset with partitions needs --partition: the tokens leave and land in it\n"
             "(the receiver passes check 5; lockups do not stop an agent).",
     .done = "force-transferred {amount} {asset}{partition? (%)} from {from} to {to}",
     .dry = "force-transfer {amount} {asset}{partition? (%)} from {from} to {to}"},
    {.words = "recover",
     .run = cli_cmd_submit,
     .op = "recover",
     .pos = {POS("SYM", "asset"), POS("LOST", "lost"), POS("NEW", "new")},
     .help = "move a lost wallet's balance and frozen state to a new address",
     .more = "Every partition's balance of a security asset moves with it, and LOST's identity\n"
             "and claims go to NEW (replacing any NEW had), whatever the asset.",
     .done = "recovered {asset} from {lost} to {new}",
     .dry = "recover {asset} from {lost} to {new}"},
    {.words = "rescue",
     .run = cli_cmd_submit,
     .op = "rescue",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("from", "ADDR"), REQ("to", "SAFE"), REQ("amount", "A"), VAL("partition", "P")},
     .help = "move stuck tokens out of any address to a safe one",
     .more = "A security asset with partitions needs --partition; SAFE must pass check 5 for it.",
     .done = "rescued {amount} {asset}{partition? (%)} from {from} to {to}",
     .dry = "rescue {amount} {asset}{partition? (%)} from {from} to {to}"},
    {.words = "nav update",
     .run = cli_cmd_submit,
     .op = "nav.update",
     .pos = {POS("SYM", "asset"), POS("VALUE", "value")},
     .help = "set a fund's NAV (refused beyond nav_max_deviation)",
     .done = "set the NAV of {asset} to {value}",
     .dry = "set the NAV of {asset} to {value}"},
    {.words = "nav force",
     .run = cli_cmd_submit,
     .op = "nav.force",
     .pos = {POS("SYM", "asset"), POS("VALUE", "value")},
     .flags = {REQ("reason", "TEXT")},
     .help = "set a fund's NAV past the deviation check; the reason is journaled",
     .done = "forced the NAV of {asset} to {value}",
     .dry = "force the NAV of {asset} to {value}"},
    {.words = "nav show",
     .run = cli_cmd_nav_show,
     .pos = {POS("SYM", NULL)},
     .help = "a fund's NAV: value, when, age, stale"},
    {.words = "nav fetch",
     .run = cli_cmd_nav_fetch,
     .op = "nav.update",
     .pos = {POS("SYM", "asset")},
     .help = "fetch a fund's NAV from the configured sources and submit the median",
     .more = "Sources are the config file's nav_sources (SPEC 8). When every source fails,\n"
             "a cached value younger than cache_ttl stands: nothing is submitted, exit 0.",
     .done = "set the NAV of {asset} to {value}",
     .dry = "set the NAV of {asset} to {value}"},
    {.words = "nav check-cache",
     .run = cli_cmd_nav_check_cache,
     .pos = {POS_OPT("SYM", NULL)},
     .help = "the NAV cache: value, fetched at, age, fresh, each source's last outcome"},
    {.words = "reserve report",
     .run = cli_cmd_submit,
     .op = "reserve.report",
     .pos = {POS("SYM", "asset"), POS("AMOUNT", "amount")},
     .help = "report a fiat asset's reserve (replaces your last report)",
     .done = "reported a reserve of {amount} {asset}",
     .dry = "report a reserve of {amount} {asset}"},
    {.words = "reserve show",
     .run = cli_cmd_reserve_show,
     .pos = {POS("SYM", NULL)},
     .help = "a fiat asset's reserve: verified, ratio, quorum, each report with its age"},
    {.words = "reserve attest",
     .run = cli_cmd_submit,
     .op = "reserve.attest",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("usd", "AMOUNT"), REQ("hash", "HEX")},
     .help = "record an attestation: its USD value and the report's SHA-256",
     .done = "recorded the attestation of {asset}",
     .dry = "record the attestation of {asset}"},
    {.words = "por publish",
     .run = cli_cmd_por_publish,
     .op = "por.publish",
     .pos = {POS("SYM", "asset")},
     .help = "publish a proof of reserves: a Merkle sum tree over every holder, with the verified reserve",
     .more = "The salt is 32 random bytes drawn here; it goes into the journal and never into a proof.",
     .done = "published the proof of reserves of {asset}",
     .dry = "publish the proof of reserves of {asset}",
     .show_events = 1},
    {.words = "por show",
     .run = cli_cmd_por_show,
     .pos = {POS("SYM", NULL)},
     .help = "an asset's latest proof-of-reserves publication: block, holders, total, reserve, root"},
    {.words = "por proof",
     .run = cli_cmd_por_proof,
     .pos = {POS("SYM", NULL), POS("ADDR", NULL)},
     .help = "a holder's inclusion proof in the latest publication, as JSON on stdout"},
    {.words = "por verify",
     .run = cli_cmd_por_verify,
     .pos = {POS("FILE", NULL)},
     .flags = {FLAG("offline"), VAL("root", "HEX")},
     .help = "check a proof file offline, then against the node's published roots",
     .more = "--root HEX: also require the root published elsewhere (the public dashboard).\n"
             "Without an operator to sign with (or with --offline) the node is not asked."},
    {.words = "price update",
     .run = cli_cmd_submit,
     .op = "price.update",
     .pos = {POS("FEED", "feed"), POS("VALUE", "value")},
     .help = "publish a price on a feed (8 fraction digits at most)",
     .done = "updated {feed} to {value}",
     .dry = "update {feed} to {value}"},
    {.words = "price list",
     .run = cli_cmd_price_list,
     .help = "price feeds: value, age, stale, frozen"},
    {.words = "oracle freeze",
     .run = cli_cmd_submit,
     .op = "oracle.freeze",
     .pos = {POS("FEED", "feed")},
     .help = "freeze a price feed (no updates; what depends on it stops)",
     .done = "froze the {feed} feed",
     .dry = "freeze the {feed} feed"},
    {.words = "oracle unfreeze",
     .run = cli_cmd_submit,
     .op = "oracle.unfreeze",
     .pos = {POS("FEED", "feed")},
     .help = "lift a price feed's freeze",
     .done = "unfroze the {feed} feed",
     .dry = "unfreeze the {feed} feed"},
    {.words = "identity register",
     .run = cli_cmd_submit,
     .op = "identity.register",
     .pos = {POS("ADDR", "address")},
     .flags = {REQ("country", "CC"), VAL("investor-type", "T")},
     .help = "register an investor's identity: country and investor type (compliance)",
     .more = "CC: an ISO 3166 alpha-2 code (US, DE, JP). T: individual, entity, institution,\n"
             "fund or trust. Registering again changes the country (and the type when given)\n"
             "and keeps the claims. Then `claim set` the claims the asset needs.",
     .done = "registered {address} ({country}{investor_type?, %})",
     .dry = "register {address} ({country}{investor_type?, %})"},
    {.words = "identity show",
     .run = cli_cmd_identity_show,
     .pos = {POS("ADDR", NULL)},
     .help = "an identity: country, investor type, each claim with its expiry and validity",
     .more = "Exit 1 with ERR_NOT_FOUND when the address has no identity."},
    {.words = "identity remove",
     .run = cli_cmd_submit,
     .op = "identity.remove",
     .pos = {POS("ADDR", "address")},
     .help = "remove an identity and its claims: the address can no longer receive securities",
     .done = "removed the identity of {address}",
     .dry = "remove the identity of {address}"},
    {.words = "claim set",
     .run = cli_cmd_submit,
     .op = "claim.set",
     .pos = {POS("ADDR", "address"), POS("TOPIC", "topic")},
     .flags = {REQ("expires", "DATE")},
     .help = "record a claim (kyc, aml, accredited, tax_form) valid until a date",
     .more = "DATE is YYYY-MM-DD, in the future: the claim stops counting at 00:00 UTC that\n"
             "day. Setting a claim again replaces its expiry (a renewal).",
     .done = "set {topic} for {address}, expires {expires}",
     .dry = "set {topic} for {address}, expires {expires}"},
    {.words = "claim revoke",
     .run = cli_cmd_submit,
     .op = "claim.revoke",
     .pos = {POS("ADDR", "address"), POS("TOPIC", "topic")},
     .help = "withdraw a claim at once",
     .done = "revoked {topic} of {address}",
     .dry = "revoke {topic} of {address}"},
    {.words = "asset rules set",
     .run = cli_cmd_submit,
     .op = "asset.rules.set",
     .pos = {POS("SYM", "asset")},
     .flags = {VAL("partition", "P"), VAL("required-claims", "LIST"), VAL("allowed-countries", "LIST"),
               VAL("blocked-countries", "LIST"), VAL("max-holders", "N"), VAL("max-balance", "A"),
               VAL("lockup-until", "DATE|none"), VAL("no-us-persons", "true|false")},
     .help = "change a security asset's compliance rules, or one partition's (timelocked, 24h)",
     .more = "Only the rules given change. Lists are comma separated: --required-claims\n"
             "kyc,accredited, --blocked-countries KP,IR (\"\" empties a list; no allowed countries\n"
             "means every country). --max-balance 0: no maximum. With --partition P,\n"
             "--required-claims, --lockup-until and --no-us-persons are the partition's; a new\n"
             "name adds a partition (refused once the asset has a supply held outside\n"
             "partitions). See docs/operators/transfer-restrictions.md.",
     .done = "set the rules of {asset}{partition? (%)}",
     .dry = "set the rules of {asset}{partition? (%)}"},
    {.words = "asset rules show",
     .run = cli_cmd_asset_rules_show,
     .pos = {POS("SYM", NULL)},
     .help = "a security asset's rules: claims, countries, holders vs max_holders, partitions",
     .more = "--json prints the asset's status document (GET /api/assets/SYM); its \"rules\"\n"
             "object is what `asset rules set` changes."},
    {.words = "balance",
     .run = cli_cmd_balance,
     .pos = {POS("SYM", NULL), POS("ADDR", NULL)},
     .help = "balance and frozen amount of an address in one asset, per partition"},
    {.words = "account show",
     .run = cli_cmd_account_show,
     .pos = {POS("ADDR", NULL)},
     .help = "an address across assets: balances, freezes, blacklist, identity"},
    {.words = "history",
     .run = cli_cmd_history,
     .flags = {VAL("limit", "N"), VAL("op", "OP"), VAL("operator", "NAME")},
     .help = "the command journal, newest first, rejected attempts included",
     .more = "--operator after `history` filters; to sign as someone, put --operator\n"
             "before `history` or set MINTLINE_OPERATOR."},
    {.words = "events",
     .run = cli_cmd_events,
     .flags = {VAL("recent", "N"), VAL("type", "T"), VAL("asset", "SYM"), FLAG("follow")},
     .help = "recent ledger events, newest first; --follow streams new ones",
     .more = "--follow prints oldest first and then each new event until Ctrl-C;\n"
             "with --json it prints one event object per line."},
    {.words = "check",
     .run = cli_cmd_check,
     .pos = {POS("PERIOD", NULL)},
     .flags = {VAL("backup", "FILE"), VAL("backup-dir", "DIR")},
     .help = "run the runbooks' daily, weekly or monthly checklist: pass, warn or fail per item",
     .more = "One line per item: its status, the subject (asset, vault type, route, operator),\n"
             "the value, the thresholds and the runbook line it comes from; items that do not\n"
             "apply to this ledger say n/a and why. Exit 0 when nothing fails, 1 when an item\n"
             "fails. --json prints GET /api/checks/PERIOD (monthly: with the two items below).\n"
             "monthly also audits the journal through the node (role auditor or admin) and\n"
             "drills a restore of the latest backup: --backup FILE, the newest good one in\n"
             "--backup-dir DIR (serve --backup-dir's), or one taken from the node now."},
    {.words = "alerts",
     .run = cli_cmd_alerts,
     .flags = {FLAG("all")},
     .help = "the node's alerts: pending and firing (--all: resolved ones of the last 15 min too)",
     .more = "One row per alert: NAME SEVERITY STATE SINCE VALUE LABELS, then what each\n"
             "alert's action did (halt_minting, emergency_pause: the system operator's\n"
             "command, \"done seq N\", or why not). --json prints GET /api/alerts."},
    {.words = "alerts rules",
     .run = cli_cmd_alerts_rules,
     .flags = {VAL("check", "FILE"), VAL("export", "prometheus"), VAL("eval", "METRICS")},
     .help = "the alert rules: the built-ins, a rule file checked offline, a Prometheus export",
     .more = "--check FILE merges FILE over the built-ins as `serve --alert-rules` does and\n"
             "prints a summary (or the merged rules with --json / --export); a refused file\n"
             "exits 2 naming the file, line, rule and position. --export prometheus prints a\n"
             "rule file `promtool check rules` accepts (action becomes a label). --eval METRICS\n"
             "prints the alerts the rules give on a saved scrape of /metrics (exit 1 when a\n"
             "rule cannot be evaluated)."},
    {.words = "payout snapshot",
     .run = cli_cmd_submit,
     .op = "payout.snapshot",
     .pos = {POS("SYM", "asset")},
     .help = "record every holder's balance of an asset now (later transfers do not change it)",
     .more = "Prints the snapshot's id (the PayoutSnapshot event), which `payout create` takes.",
     .done = "took a snapshot of the holders of {asset}",
     .dry = "take a snapshot of the holders of {asset}",
     .show_events = 1},
    {.words = "payout create",
     .run = cli_cmd_submit,
     .op = "payout.create",
     .pos = {POS("SNAPSHOT", "snapshot")},
     .flags = {REQ("pay", "SYM"), REQ("total", "A"), REQ("from", "DISTRIBUTOR"), REQ("mode", "full|pro-rata")},
     .help = "a payout of an asset from a distributor, pro rata over a snapshot's holders",
     .more = "full: the distributor must hold the whole total at distribution; pro-rata: it\n"
             "pays what it holds (at most the total), split the same way. The distributor's\n"
             "own snapshot balance earns nothing. Prints the payout's id (PayoutCreated).",
     .done = "created a payout of {total} {pay} from {from} over snapshot {snapshot} ({mode})",
     .dry = "create a payout of {total} {pay} from {from} over snapshot {snapshot} ({mode})",
     .show_events = 1},
    {.words = "payout distribute",
     .run = cli_cmd_submit,
     .op = "payout.distribute",
     .pos = {POS("ID", "id")},
     .help = "pay every leg of a payout, all or none (two operators by default)",
     .more = "Every leg is checked as a transfer of the paid asset from the distributor, and\n"
             "every recipient needs a valid tax_form claim; one refusal and nothing is paid.\n"
             "Try it with --dry-run first; `payout show ID` lists the legs.",
     .done = "distributed payout {id}",
     .dry = "distribute payout {id}",
     .show_events = 1},
    {.words = "payout show",
     .run = cli_cmd_payout_show,
     .pos = {POS("ID", NULL)},
     .flags = {VAL("offset", "N"), VAL("limit", "N")},
     .help = "a payout: its snapshot, funding, status and legs (a page of up to 1000)",
     .more = "Legs are sorted by address; --offset and --limit page through them (default 100)."},
    {.words = "payout list",
     .run = cli_cmd_payout_list,
     .help = "every payout (open or distributed) and every snapshot"},
    {.words = "vault open",
     .run = cli_cmd_submit,
     .op = "vault.open",
     .pos = {POS("TYPE", "type")},
     .flags = {REQ("owner", "A")},
     .help = "open a vault of a type for an owner (role transfer_agent, on the owner's order)",
     .done = "opened a {type} vault for {owner}",
     .dry = "open a {type} vault for {owner}",
     .show_events = 1},
    {.words = "vault deposit",
     .run = cli_cmd_submit,
     .op = "vault.deposit",
     .pos = {POS("ID", "id")},
     .flags = {REQ("amount", "A"), VAL("owner", "A")},
     .help = "move collateral from the owner into the vault",
     .done = "deposited {amount} into vault {id}",
     .dry = "deposit {amount} into vault {id}"},
    {.words = "vault withdraw",
     .run = cli_cmd_submit,
     .op = "vault.withdraw",
     .pos = {POS("ID", "id")},
     .flags = {REQ("amount", "A"), VAL("owner", "A")},
     .help = "return collateral to the owner (the vault stays at or above min_ratio)",
     .done = "withdrew {amount} from vault {id}",
     .dry = "withdraw {amount} from vault {id}"},
    {.words = "vault borrow",
     .run = cli_cmd_submit,
     .op = "vault.borrow",
     .pos = {POS("ID", "id")},
     .flags = {REQ("amount", "A"), VAL("owner", "A")},
     .help = "mint the debt asset to the owner against the vault (at or above min_ratio, under the ceiling)",
     .done = "borrowed {amount} against vault {id}",
     .dry = "borrow {amount} against vault {id}"},
    {.words = "vault repay",
     .run = cli_cmd_submit,
     .op = "vault.repay",
     .pos = {POS("ID", "id")},
     .flags = {REQ("amount", "A"), VAL("owner", "A")},
     .help = "burn the owner's debt asset to repay the vault's debt",
     .done = "repaid {amount} of vault {id}",
     .dry = "repay {amount} of vault {id}"},
    {.words = "vault liquidate",
     .run = cli_cmd_submit,
     .op = "vault.liquidate",
     .pos = {POS("ID", "id")},
     .flags = {REQ("by", "A")},
     .help = "liquidate a vault strictly below its liquidation ratio (role liquidator): the liquidator repays "
             "the debt and takes collateral worth it plus the penalty",
     .done = "liquidated vault {id}",
     .dry = "liquidate vault {id}",
     .show_events = 1},
    {.words = "vault show",
     .run = cli_cmd_vault_show,
     .pos = {POS("ID", NULL)},
     .help = "one vault: owner, collateral, debt, health"},
    {.words = "vault list",
     .run = cli_cmd_vault_list,
     .flags = {VAL("type", "NAME"), VAL("below", "liquidation|min|RATIO"), VAL("owner", "ADDR")},
     .help = "vault types with their totals, and their vaults (--below liquidation: those that can be liquidated)",
     .more = "--below min: under the type's min_ratio; --below 120%: health under 120% (the\n"
             "runbook's warning line); --owner ADDR: one owner's vaults."},
    {.words = "bridge send",
     .run = cli_cmd_submit,
     .op = "bridge.send",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("from", "A"), REQ("chain", "C"), REQ("to", "DEST"), REQ("amount", "A")},
     .help = "lock an amount in the bridge escrow for another chain (role bridge_operator)",
     .done = "sent {amount} {asset} to chain {chain}",
     .dry = "send {amount} {asset} to chain {chain}",
     .show_events = 1},
    {.words = "bridge confirm",
     .run = cli_cmd_submit,
     .op = "bridge.confirm",
     .pos = {POS("ID", "id")},
     .flags = {REQ("tx", "H")},
     .help = "settle a bridge transfer with its destination tx (the escrow is burned)",
     .done = "settled bridge transfer {id}",
     .dry = "settle bridge transfer {id}"},
    {.words = "bridge refund",
     .run = cli_cmd_submit,
     .op = "bridge.refund",
     .pos = {POS("ID", "id")},
     .help = "request the refund of a transfer past its route's timeout",
     .done = "requested the refund of bridge transfer {id}",
     .dry = "request the refund of bridge transfer {id}"},
    {.words = "bridge refund-execute",
     .run = cli_cmd_submit,
     .op = "bridge.refund_execute",
     .pos = {POS("ID", "id")},
     .help = "return a requested refund to the sender (role refund_signer, not the requester)",
     .done = "refunded bridge transfer {id}",
     .dry = "refund bridge transfer {id}"},
    {.words = "bridge receive",
     .run = cli_cmd_submit,
     .op = "bridge.receive",
     .pos = {POS("SYM", "asset")},
     .flags = {REQ("chain", "C"), REQ("tx", "H"), REQ("to", "A"), REQ("amount", "A")},
     .help = "mint an inbound transfer, once per (chain, tx)",
     .done = "received {amount} {asset} from chain {chain}",
     .dry = "receive {amount} {asset} from chain {chain}",
     .show_events = 1},
    {.words = "bridge list",
     .run = cli_cmd_bridge_list,
     .flags = {VAL("status", "S"), VAL("chain", "C")},
     .help = "bridge transfers, newest first (--status initiated|settled|refund_requested|refunded, --chain C)"},
    {.words = "bridge show",
     .run = cli_cmd_bridge_show,
     .pos = {POS("ID", NULL)},
     .help = "one bridge transfer"},
    {.words = "bridge routes",
     .run = cli_cmd_bridge_routes,
     .help = "the routes: limits, 24h success rate, settlement p50/p95, escrow, the buffer rule"},
    {.words = "bridge route set",
     .run = cli_cmd_submit,
     .op = "bridge.route.set",
     .pos = {POS("C", "chain")},
     .flags = {REQ("asset", "SYM"), REQ("min", "A"), REQ("max", "A"), REQ("timeout", "D"), VAL("latency", "D"),
               REQ("safety-factor", "F"), REQ("buffer-account", "ADDR")},
     .help = "add or change a bridge route (timelocked, 24h by default; --max 0: no maximum)",
     .done = "set the route to chain {chain}",
     .dry = "set the route to chain {chain}"},
    {.words = "bridge route disable",
     .run = cli_cmd_submit,
     .op = "bridge.route.disable",
     .pos = {POS("C", "chain")},
     .flags = {VAL("asset", "SYM")},
     .help = "stop sends and receives on the routes to a chain at once (role pauser)",
     .done = "disabled the routes to chain {chain}",
     .dry = "disable the routes to chain {chain}"},
    {.words = "bridge route enable",
     .run = cli_cmd_submit,
     .op = "bridge.route.enable",
     .pos = {POS("C", "chain")},
     .flags = {VAL("asset", "SYM")},
     .help = "enable the routes to a chain again (timelocked, 24h by default)",
     .done = "enabled the routes to chain {chain}",
     .dry = "enable the routes to chain {chain}"},
    {.words = "stabilizer show",
     .run = cli_cmd_stabilizer_show,
     .pos = {POS("SYM", NULL)},
     .flags = {VAL("peak-outflow", "A")},
     .help = "an asset's stabilizer: peg, price, TWAP, deviation, the run beyond the threshold, orders",
     .more = "--peak-outflow A (the peak outflow per minute) adds seed 001's reserve sizing\n"
             "rule: reserve >= peak outflow x window (minutes) x 3, with required, actual, ok."},
    {.words = "stabilizer set",
     .run = cli_cmd_submit,
     .op = "stabilizer.set",
     .pos = {POS("SYM", "asset")},
     .flags = {VAL("feed", "FEED"), VAL("target", "P"), VAL("window-blocks", "N"), VAL("sustain-blocks", "N"),
               VAL("threshold", "PCT"), VAL("k", "A"), VAL("max-per-block", "A"), VAL("reserve-account", "ADDR")},
     .help = "create or change an asset's stabilizer (timelocked, 24h by default)",
     .more = "A new stabilizer needs --feed (its market feed), --target (the peg), --k (size per\n"
             "unit of deviation), --max-per-block and --reserve-account; --window-blocks (10),\n"
             "--sustain-blocks (3) and --threshold (0.5%) have defaults. It acts only after\n"
             "sustain-blocks observations in a row beyond the threshold, the TWAP beyond it too.",
     .done = "set the stabilizer of {asset}",
     .dry = "set the stabilizer of {asset}"},
    {.words = "incident open",
     .run = cli_cmd_submit,
     .op = "incident.open",
     .flags = {REQ("severity", "P0|P1|P2|P3"), REQ("title", "T"), VAL("asset", "SYM")},
     .help = "open an incident: P0 (ack within 5 min), P1 (30 min), P2 (2 h), P3 (24 h)",
     .more = "The title is at most 95 bytes. With --asset, the timeline (incident show) holds\n"
             "every command on that asset between open and resolve. Prints the incident's id.",
     .done = "opened a {severity} incident{asset? on %}: {title}",
     .dry = "open a {severity} incident{asset? on %}: {title}",
     .show_events = 1},
    {.words = "incident ack",
     .run = cli_cmd_submit,
     .op = "incident.ack",
     .pos = {POS("ID", "id")},
     .help = "acknowledge an incident (stops it being overdue)",
     .done = "acknowledged incident {id}",
     .dry = "acknowledge incident {id}"},
    {.words = "incident note",
     .run = cli_cmd_submit,
     .op = "incident.note",
     .pos = {POS("ID", "id"), POS("TEXT", "text")},
     .help = "add a note (at most 200 characters, kept in the journal) to an incident's timeline",
     .done = "noted on incident {id}",
     .dry = "note on incident {id}"},
    {.words = "incident resolve",
     .run = cli_cmd_submit,
     .op = "incident.resolve",
     .pos = {POS("ID", "id")},
     .flags = {REQ("summary", "T")},
     .help = "resolve an incident with a summary (the post-mortem's Summary)",
     .done = "resolved incident {id}",
     .dry = "resolve incident {id}"},
    {.words = "incident list",
     .run = cli_cmd_incident_list,
     .flags = {FLAG("open")},
     .help = "incidents, newest first; --open: only the unresolved ones"},
    {.words = "incident show",
     .run = cli_cmd_incident_show,
     .pos = {POS("ID", NULL)},
     .help = "an incident and its timeline from the journal",
     .more = "The timeline holds the incident's own entries (open, ack, notes, resolve,\n"
             "timelock expedites) and every command on its asset between open and resolve."},
    {.words = "incident postmortem",
     .run = cli_cmd_incident_postmortem,
     .pos = {POS("ID", NULL)},
     .help = "a Markdown post-mortem skeleton on stdout, its timeline filled from the journal",
     .more = "Sections: summary (the resolve summary), impact, timeline, root cause, what went\n"
             "well, action items. Times are UTC. Redirect it to a file and fill it in."},
    {.words = "maintenance start",
     .run = cli_cmd_maintenance_start,
     .op = "maintenance.start",
     .flags = {REQ("for", "D"), REQ("reason", "T")},
     .help = "open a maintenance window (at most 7d): warning alerts are silenced",
     .more = "Critical alerts and their actions still run. Starting a window while one is in\n"
             "force replaces it (to extend or shorten it). The reason is at most 95 bytes.",
     .done = "started a maintenance window of {duration}: {reason}",
     .dry = "start a maintenance window of {duration}: {reason}"},
    {.words = "maintenance end",
     .run = cli_cmd_submit,
     .op = "maintenance.end",
     .help = "end the maintenance window in force",
     .done = "ended the maintenance window",
     .dry = "end the maintenance window"},
    {.words = "maintenance list",
     .run = cli_cmd_maintenance_list,
     .help = "the maintenance window in force and the last ones"},
    {.words = "timelock expedite",
     .run = cli_cmd_submit,
     .op = "timelock.expedite",
     .pos = {POS("ID", "id")},
     .help = "run a timelocked entry before its eta during an open P0/P1 incident",
     .more = "The timelock override of the runbooks: emergency_approvals admins (3 by default)\n"
             "must agree (mintline approve ID); recorded on the incident.",
     .done = "expedited timelock entry {id}",
     .dry = "expedite timelock entry {id}"},
    {.words = "vault type set",
     .run = cli_cmd_submit,
     .op = "vault.type.set",
     .pos = {POS("TYPE", "type")},
     .flags = {VAL("asset", "SYM"), VAL("collateral", "SYM"), VAL("feed", "FEED"), VAL("min-ratio", "PCT"),
               VAL("liquidation-ratio", "PCT"), VAL("penalty", "PCT"), VAL("debt-ceiling", "A"), VAL("dust", "A")},
     .help = "create or change a vault type (role treasury_manager, timelocked, 24h by default)",
     .more = "--asset is the debt asset (genesis `debt:`), needed with --debt-ceiling or --dust\n"
             "(their units). A new type needs every flag; a change gives only what changes,\n"
             "e.g. --asset USDW --debt-ceiling 20000000 when VaultDebtCeilingWarning fires.\n"
             "See docs/operators/vaults.md.",
     .done = "set vault type {type}",
     .dry = "set vault type {type}"},
    {.words = "backup create",
     .run = cli_cmd_backup_create,
     .pos = {POS("FILE", NULL)},
     .flags = {VAL("data", "DIR"), VAL("store", "URL")},
     .help = "write a backup file: an online copy of the store with its height, head hash, SHA-256",
     .more = "Through the node (GET /api/backup, role auditor or admin), or with --data DIR\n"
             "(or --store postgres://...) from the store directly (the node may be running).\n"
             "A PostgreSQL ledger's backup is the same file: it restores with --data DIR.\n"
             "An existing FILE is refused."},
    {.words = "backup verify",
     .run = cli_cmd_backup_verify,
     .pos = {POS("FILE", NULL)},
     .help = "check a backup file's SHA-256 and audit its copy from genesis"},
    {.words = "backup restore",
     .run = cli_cmd_backup_restore,
     .pos = {POS("FILE", NULL)},
     .flags = {VAL("data", "DIR"), VAL("store", "URL")},
     .help = "verify a backup, then write it as the store of an empty or new DIR",
     .more = "A non-empty DIR is refused. Then `mintline serve --data DIR` starts from it;\n"
             "copy system.key from safekeeping into DIR (backups hold no keys).\n"
             "--store postgres://... instead writes it into a database holding no ledger."},
    {.words = "report",
     .run = cli_cmd_report,
     .pos = {POS("daily|weekly|monthly", NULL)},
     .flags = {VAL("at", "DATE"), VAL("format", "md|json|html"), VAL("o", "FILE")},
     .help = "the period's report from the journal: supply, flows, NAV, reserve, incidents",
     .more = "--at YYYY-MM-DD picks the period holding that day (UTC; weekly = ISO week,\n"
             "Monday to Sunday); without it, the last complete period. -o writes FILE\n"
             "whole or not at all. The same ledger and period give the same bytes."},
    {.words = "completion",
     .run = cli_cmd_completion,
     .pos = {POS("bash|zsh", NULL)},
     .help = "print a shell completion script generated from the command table",
     .more = "bash: source <(mintline completion bash), or save it in\n"
             "/etc/bash_completion.d/mintline. zsh: source <(mintline completion zsh), or save\n"
             "it as _mintline in a directory of $fpath."},
    {.words = "man",
     .run = cli_cmd_man,
     .help = "print the man page (roff) generated from the command table",
     .more = "mintline man > mintline.1 && man -l mintline.1; `make man` writes build/mintline.1."},
    {.words = "api",
     .run = cli_cmd_api,
     .pos = {POS("METHOD", NULL), POS("PATH", NULL), POS_OPT("BODY", NULL)},
     .help = "send a raw signed request to the node and print its answer (like `gh api`)",
     .more = "PATH is the API path and query, percent-encoded (/api/system/status, /api/events?limit=5).\n"
             "BODY is JSON, or - to read it from stdin. The answer is printed as received;\n"
             "the exit code follows its status: 2xx 0, 202 4 (pending), 4xx 1, 5xx or none 3."},
    {.words = "batch",
     .run = cli_cmd_batch,
     .pos = {POS("FILE", NULL)},
     .flags = {FLAG("atomic"), FLAG("compact")},
     .help = "submit a JSON-lines file of commands (or - for stdin) as one signed batch",
     .more = "One command object a line ({\"op\": \"mint\", \"asset\": \"USDW\", ...}); blank lines and\n"
             "lines starting with # are skipped. --atomic: all or none; --dry-run: check only;\n"
             "--compact asks for SPEC 7's compact answer (only the failures). Prints INDEX (in\n"
             "the batch), LINE (in the file) and the result of each command; exit 1 when any\n"
             "failed, 4 when none failed and some are pending."},
};

#undef POS
#undef POS_OPT
#undef VAL
#undef REQ
#undef FLAG
/* clang-format on */

#define CLI_ROWS_COUNT (sizeof(cli_rows) / sizeof(cli_rows[0]))

const struct cli_cmd *cli_cmd_table(size_t *count) {
    *count = CLI_ROWS_COUNT;
    return cli_rows;
}

static const char cli_globals_help[] =
    "global flags (before or after the command; flags beat environment beat the config file):\n"
    "  --node URL       the node (MINTLINE_NODE; default " CLI_NODE_DEFAULT "); a list\n"
    "                   URL,URL,... is tried in order while a node cannot be reached; a\n"
    "                   state change sent without an answer is sent again once, the very\n"
    "                   same signed request, which a node runs at most once\n"
    "  --operator NAME  who signs (MINTLINE_OPERATOR)\n"
    "  --key FILE       signing key (default $MINTLINE_HOME/keys/NAME.key;\n"
    "                   MINTLINE_HOME defaults to ~/.mintline)\n"
    "  --config FILE    configuration file (default $MINTLINE_HOME/config.yaml):\n"
    "                   node, operator, key and named profiles\n"
    "  --profile NAME   use the config file's profile NAME (MINTLINE_PROFILE)\n"
    "  --json           print the node's JSON document as received\n"
    "  --dry-run        run a state change's checks without changing anything\n"
    "  -h, --help       this help; `mintline COMMAND --help` for one command or group\n"
    "  --version        the version and build\n"
    "a FILE that is read (por verify, init --genesis, batch, alerts rules --check) may be -: stdin\n";

const char *cli_globals_help_text(void) { return cli_globals_help; }

/* The overview: one line per command (its words and positionals). */
static int cli__help_overview(void) {
    printf("usage: mintline [global flags] COMMAND [arguments]\n\ncommands:\n");
    struct cli_table t;
    cli_table_init(&t, 2);
    for (size_t r = 0; r < CLI_ROWS_COUNT; r++) {
        char words[128];
        size_t used = (size_t)snprintf(words, sizeof(words), "  %s", cli_rows[r].words);
        for (size_t k = 0; k < CLI_POS_MAX && cli_rows[r].pos[k].metavar != NULL; k++) {
            const struct cli_pos_def *p = &cli_rows[r].pos[k];
            if (used >= sizeof(words)) break;
            used += (size_t)snprintf(words + used, sizeof(words) - used,
                                     p->required ? " %s" : " [%s]", p->metavar);
        }
        cli_table_cell(&t, words);
        cli_table_cell(&t, cli_rows[r].help);
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    printf("\n%s\nexit codes: 0 done, 1 rejected by the ledger, 2 usage, "
           "3 node unreachable or I/O, 4 pending (proposal or timelock)\n",
           cli_globals_help);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

static int cli__help_command(const struct cli_cmd *row) {
    char usage[256];
    cli_args_usage(row, usage, sizeof(usage));
    printf("usage: mintline %s\n\n%s\n", usage, row->help);
    if (row->more != NULL) printf("%s\n", row->more);
    if (row->op != NULL)
        printf("Submits op \"%s\"; --dry-run checks it without applying.\n", row->op);
    cli_conv_help_row_extra(row);
    printf("\n%s", cli_globals_help);
    return CLI_EXIT_OK;
}

int cli_cmd_usage_error(const struct cli_ctx *ctx, const char *what) {
    const struct cli_cmd *row = ctx->args->cmd;
    cli_out_error(ctx->color_err, err_name(ERR_USAGE), "%s: %s", row->words, what);
    char usage[256];
    cli_args_usage(row, usage, sizeof(usage));
    fprintf(stderr, "usage: mintline %s (see `mintline %s --help`)\n", usage, row->words);
    return CLI_EXIT_USAGE;
}

static int cli__parse_error(const struct cli_args *args, int color) {
    if (args->cmd == NULL) {
        cli_out_error(color, err_name(ERR_USAGE), "%s", args->why);
        fprintf(stderr, "see `mintline --help`\n");
        return CLI_EXIT_USAGE;
    }
    struct cli_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.args = args;
    ctx.color_err = color;
    return cli_cmd_usage_error(&ctx, args->why);
}

/* A malformed value in argv (cli_argval.h): exit 2 with its own code. */
static int cli__value_error(const struct cli_args *args, enum err err, const char *why, int color) {
    cli_out_error(color, err_name(err), "%s: %s", args->cmd->words, why);
    char usage[256];
    cli_args_usage(args->cmd, usage, sizeof(usage));
    fprintf(stderr, "usage: mintline %s (see `mintline %s --help`)\n", usage, args->cmd->words);
    return CLI_EXIT_USAGE;
}

static const char *cli__env(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* $MINTLINE_HOME, else ~/.mintline. Returns 0 or -1. */
static int cli__home(char *out, size_t out_size) {
    const char *home = cli__env("MINTLINE_HOME");
    int n;
    if (home != NULL) {
        n = snprintf(out, out_size, "%s", home);
    } else {
        const char *user_home = cli__env("HOME");
        if (user_home == NULL) {
            const struct passwd *pw = getpwuid(getuid());
            user_home = pw != NULL ? pw->pw_dir : NULL;
        }
        if (user_home == NULL) return -1;
        n = snprintf(out, out_size, "%s/.mintline", user_home);
    }
    return n > 0 && (size_t)n < out_size ? 0 : -1;
}

/* The config file's node, operator and key (static: the ctx points into
 * it for the process's life). */
static struct cli_config_values cli__config;

#define CLI__CONFIG_MAX (1u << 20)

/* Read --config FILE (which must exist) or $MINTLINE_HOME/config.yaml (if
 * there is one) and apply --profile. Returns an exit code. */
static int cli__config_load(const struct cli_ctx *ctx, const struct cli_args *args) {
    char path[4200];
    if (args->config != NULL) {
        snprintf(path, sizeof(path), "%s", args->config);
    } else {
        snprintf(path, sizeof(path), "%s/config.yaml", ctx->home);
    }
    const char *profile = cli_config_pick(args->profile, cli__env("MINTLINE_PROFILE"), NULL);
    json_t *doc = NULL;
    char why[512] = "";
    if (args->config != NULL || access(path, F_OK) == 0) {
        char *text = NULL;
        size_t len = 0;
        enum err rd = node_read_file(path, CLI__CONFIG_MAX, &text, &len);
        if (rd != ERR_OK) {
            /* SPEC 8: a file that cannot be read is I/O (3); one too large
             * to be a configuration is bad input (2) */
            int io = rd == ERR_IO || rd == ERR_NOT_FOUND;
            cli_out_error(ctx->color_err, err_name(io ? ERR_IO : ERR_INVALID_CONFIG), "cannot read %s%s", path,
                          args->config != NULL ? " (--config)" : "");
            return io ? CLI_EXIT_IO : CLI_EXIT_USAGE;
        }
        enum err err = yaml_to_json(text, len, &doc, why, sizeof(why));
        free(text);
        if (err != ERR_OK) {
            cli_out_error(ctx->color_err, err_name(ERR_INVALID_CONFIG), "%s: %s", path, why);
            return CLI_EXIT_USAGE;
        }
    }
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof(dir), ".");
    }
    enum err err = cli_config_values(doc, profile, dir, &cli__config, why, sizeof(why));
    json_decref(doc);
    if (err != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_INVALID_CONFIG), "%s: %s",
                      doc != NULL || args->config != NULL ? path : "config", why);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int cli__resolve(struct cli_ctx *ctx, const struct cli_args *args) {
    memset(ctx, 0, sizeof(*ctx));
    ctx->args = args;
    ctx->color_err = cli_out_color(stderr);
    ctx->json = args->json;
    ctx->dry_run = args->dry_run;
    if (cli__home(ctx->home, sizeof(ctx->home)) != 0) {
        cli_out_error(ctx->color_err, err_name(ERR_IO),
                      "cannot find a home directory: set MINTLINE_HOME");
        return CLI_EXIT_IO;
    }
    int rc = cli__config_load(ctx, args);
    if (rc != CLI_EXIT_OK) return rc;
    /* SPEC 8: flags beat environment beat the file beat the defaults. */
    ctx->node_url = cli_config_pick(args->node, cli__env("MINTLINE_NODE"), cli__config.node);
    if (ctx->node_url == NULL) ctx->node_url = CLI_NODE_DEFAULT;
    ctx->operator_name = cli_config_pick(args->operator_name, cli__env("MINTLINE_OPERATOR"),
                                         cli__config.operator_name);
    /* The file's key is its operator's: not used for another one named by
     * a flag or the environment. */
    int same_operator = cli__config.operator_name[0] == '\0' ||
                        (ctx->operator_name != NULL &&
                         strcmp(ctx->operator_name, cli__config.operator_name) == 0);
    ctx->key_path = cli_config_pick(args->key, NULL, same_operator ? cli__config.key : NULL);
    return CLI_EXIT_OK;
}

const char *cli_ctx_pos(const struct cli_ctx *ctx, size_t i) {
    return i < ctx->args->pos_count ? ctx->args->pos[i] : NULL;
}

const char *cli_ctx_flag(const struct cli_ctx *ctx, const char *name) {
    const struct cli_cmd *row = ctx->args->cmd;
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        if (strcmp(row->flags[k].name, name) == 0) return ctx->args->flag_values[k];
    }
    return NULL;
}

int cli_ctx_data_dir(const struct cli_ctx *ctx, char *out, size_t out_size) {
    const char *data = cli_ctx_flag(ctx, "data");
    int n = data != NULL ? snprintf(out, out_size, "%s", data)
                         : snprintf(out, out_size, "%s/data", ctx->home);
    return n > 0 && (size_t)n < out_size ? 0 : -1;
}

static int cli__run(const struct cli_args *args) {
    struct cli_ctx ctx;
    int rc = cli__resolve(&ctx, args);
    if (rc != CLI_EXIT_OK) return rc;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_out_error(ctx.color_err, err_name(ERR_INTERNAL), "cannot initialise libcurl");
        return CLI_EXIT_IO;
    }
    rc = args->cmd->run(&ctx);
    cli_call_close(&ctx);
    curl_global_cleanup();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_out_error(ctx.color_err, err_name(ERR_IO), "cannot write to stdout");
        if (rc == CLI_EXIT_OK) rc = CLI_EXIT_IO;
    }
    return rc;
}

int cli_main(int argc, char **argv) {
    int color = cli_out_color(stderr);
    if (sodium_init() < 0) {
        cli_out_error(color, err_name(ERR_INTERNAL), "cannot initialise libsodium");
        return CLI_EXIT_IO;
    }
    struct cli_args args;
    enum err err = cli_args_parse(cli_rows, CLI_ROWS_COUNT, argc, argv, &args);
    if (err) return cli__parse_error(&args, color);
    if (args.version && !args.help) return cli_conv_version();
    if (args.help && args.cmd == NULL && args.group[0] != '\0') return cli_conv_help_group(args.group);
    if (args.help) return args.cmd != NULL ? cli__help_command(args.cmd) : cli__help_overview();
    char why[CLI_WHY_SIZE];
    err = cli_argval_check(&args, why, sizeof(why)); /* before contacting the node */
    if (err) return cli__value_error(&args, err, why, color);
    return cli__run(&args);
}
