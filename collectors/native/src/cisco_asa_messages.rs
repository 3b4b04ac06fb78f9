//! Cisco ASA / FTD message table: message id → text patterns and ECS classification.
//!
//! Data, not code: each entry lists the message's text shapes (from Cisco's
//! "ASA Series Syslog Messages" and "FTD Syslog Messages" guides) in a small
//! pattern language, and how Elastic's `cisco_asa` integration classifies it
//! (`event.action`, categories, types, outcome). `cisco_asa.rs` turns the
//! patterns into regular expressions and maps what they read.
//!
//! Pattern language: literal text, where one or more spaces match any run of
//! spaces, and placeholders:
//!
//! - `{src}` / `{dst}`: an endpoint `[interface:]address[/port][(user or SGT)]`
//! - `{src_nat}` / `{dst_nat}`: a mapped endpoint in parentheses, `(address[/port])`,
//!   maybe followed by `(user)`
//! - `{name}`: one word; `{name*}` as little text as possible; `{name+}` the rest;
//!   `{name?}` the rest after a space, if the line goes on
//! - `{_}`: one word, read past and not kept
//!
//! Names with a meaning: `src_ip src_port src_if src_user` (and `dst_`),
//! `direction transport connection_id rule user verdict bytes duration
//! icmp_type icmp_code reason` (`reason` is `event.reason`, as in Elastic's
//! integration); any other name is kept as `cisco.asa.<name>`.
//! `swap` marks messages whose endpoints are written from the firewall's
//! point of view: when `direction` is `outbound` the "for" side is the
//! destination.

/// One message id's shapes and classification.
pub struct Message {
    pub patterns: &'static [&'static str],
    pub action: &'static str,
    pub category: &'static [&'static str],
    pub types: &'static [&'static str],
    pub outcome: Option<&'static str>,
    pub swap: bool,
}

const NET: &[&str] = &["network"];
const CONN_START: &[&str] = &["connection", "start"];
const CONN_END: &[&str] = &["connection", "end"];
const DENIED: &[&str] = &["connection", "denied"];
const ALLOWED: &[&str] = &["connection", "allowed"];
const AUTH: &[&str] = &["authentication"];

const BUILT: &str = "Built {direction} {transport} connection {connection_id} for {src} {src_nat} to {dst} {dst_nat}{rest*}";
const TEARDOWN: &str = "Teardown {transport} connection {connection_id} for {src} to {dst} duration {duration} bytes {bytes}{reason?}";
const ACL: &str = "access-list {rule} {verdict} {transport} {src_if}/{src_ip}({src_port}) -> {dst_if}/{dst_ip}({dst_port}){rest*}";
const ACL_NOPORT: &str =
    "access-list {rule} {verdict} {transport} {src_if}/{src_ip} -> {dst_if}/{dst_ip}{rest*}";

/// Every message id with a known shape, in the order of the guides' sections.
pub static MESSAGES: &[(&str, Message)] = &[
    ("106001", Message { patterns: &["{direction} {transport} connection denied from {src_ip}/{src_port} to {dst_ip}/{dst_port} flags {flags*} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106002", Message { patterns: &["{transport} Connection denied by outbound list {rule} src {src_ip} {src_port} dest {dst_ip} {dst_port}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106006", Message { patterns: &["Deny {direction} {transport} from {src_ip}/{src_port} to {dst_ip}/{dst_port} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106007", Message { patterns: &["Deny {direction} {transport} from {src_ip}/{src_port} to {dst_ip}/{dst_port} due to {reason+}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106010", Message { patterns: &["Deny {direction} protocol {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106011", Message { patterns: &["Deny {direction} (No xlate) {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106012", Message { patterns: &["Deny IP from {src_ip} to {dst_ip}, IP options: {options+}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106013", Message { patterns: &["Dropping echo request from {src_ip} to PAT address {dst_ip}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106014", Message { patterns: &["Deny {direction} {transport} src {src} dst {dst} (type {icmp_type}, code {icmp_code}){rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106015", Message { patterns: &["Deny {transport} (no connection) from {src_ip}/{src_port} to {dst_ip}/{dst_port} flags {flags*} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106016", Message { patterns: &["Deny IP spoof from ({src_ip}) to {dst_ip} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106017", Message { patterns: &["Deny IP due to Land Attack from {src_ip} to {dst_ip}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106018", Message { patterns: &["{transport} packet type {icmp_type} denied by outbound list {rule} src {src_ip} dest {dst_ip}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106020", Message { patterns: &["Deny IP teardrop fragment {rest+}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106021", Message { patterns: &["Deny {transport} reverse path check from {src_ip} to {dst_ip} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106022", Message { patterns: &["Deny {transport} connection spoof from {src_ip} to {dst_ip} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106023", Message { patterns: &[r#"Deny {transport} src {src} dst {dst} (type {icmp_type}, code {icmp_code}) by access-group "{rule}"{rest*}"#, r#"Deny {transport} src {src} dst {dst} by access-group "{rule}"{rest*}"#, r#"Deny protocol {transport} src {src} dst {dst} by access-group "{rule}"{rest*}"#, "Deny {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106025", Message { patterns: &["Failed to determine the security context for the packet:{vlan} {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106026", Message { patterns: &["Failed to determine the security context for the packet:{vlan} {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106027", Message { patterns: &[r#"Deny src {src} dst {dst} by access-group "{rule}"{rest*}"#], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("106100", Message { patterns: &[ACL, ACL_NOPORT], action: "firewall-rule", category: NET, types: ALLOWED, outcome: Some("success"), swap: false }),
    ("106102", Message { patterns: &[ACL, ACL_NOPORT], action: "firewall-rule", category: NET, types: ALLOWED, outcome: Some("success"), swap: false }),
    ("106103", Message { patterns: &["access-list {rule} denied {transport} for user {user} {src_if}/{src_ip} {src_port} -> {dst_if}/{dst_ip} {dst_port}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("113042", Message { patterns: &["Non-HTTP connection from {src} to {dst} denied by redirect filter{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("401004", Message { patterns: &["Shunned packet: {src_ip} ==> {dst_ip} on interface {dst_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("500004", Message { patterns: &["Invalid transport field for protocol={transport}, from {src_ip}/{src_port} to {dst_ip}/{dst_port}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("710002", Message { patterns: &["{transport} access permitted from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service}"], action: "firewall-rule", category: NET, types: ALLOWED, outcome: Some("success"), swap: false }),
    ("710003", Message { patterns: &["{transport} access denied by ACL from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("failure"), swap: false }),
    ("710005", Message { patterns: &["{transport} request discarded from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{dst_port}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("failure"), swap: false }),
    ("710006", Message { patterns: &["{transport} request discarded from {src_ip} to {dst_if}:{dst_ip}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("failure"), swap: false }),
    ("733100", Message { patterns: &["[{object*}] drop {rate_id} exceeded.{rest*}"], action: "firewall-rule", category: &["intrusion_detection"], types: &["info"], outcome: Some("success"), swap: false }),
    ("313001", Message { patterns: &["Denied {transport} type={icmp_type}, code={icmp_code} from {src_ip} on interface {src_if}{rest*}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("313004", Message { patterns: &["Denied {transport} type={icmp_type}, from laddr {src_ip} on interface {src_if} to {dst_ip}: {reason+}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("313005", Message { patterns: &["No matching connection for ICMP error message: {transport} src {src} dst {dst} (type {icmp_type}, code {icmp_code}) on {ingress_if} interface.  Original IP payload: {payload+}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("313008", Message { patterns: &["Denied {transport} type={icmp_type} , code={icmp_code} from {src_ip} on interface {src_if}"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("302013", Message { patterns: &[BUILT], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: true }),
    ("302014", Message { patterns: &[TEARDOWN], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302015", Message { patterns: &[BUILT], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: true }),
    ("302016", Message { patterns: &[TEARDOWN], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302017", Message { patterns: &["Built {direction} {transport} connection {connection_id} laddr {src_if}:{src_ip} ({src_user}) faddr {dst_if}:{dst_ip} ({dst_user}) laddr {rest*}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302018", Message { patterns: &["Teardown {transport} connection {connection_id} from {src_if}:{src_ip} ({src_user}) to {dst_if}:{dst_ip} ({dst_user}) duration {duration} bytes {bytes}{rest*}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302020", Message { patterns: &["Built {direction} {transport} connection for faddr {dst_ip}/{_} gaddr {src_nat_ip}/{_} laddr {src_ip}/{_}{rest*}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302021", Message { patterns: &["Teardown {transport} connection for faddr {dst_ip}/{_} gaddr {src_nat_ip}/{_} laddr {src_ip}/{_}{rest*}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302022", Message { patterns: &["Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302023", Message { patterns: &["Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes} {reason+}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302024", Message { patterns: &["Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302025", Message { patterns: &["Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes} {reason+}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302026", Message { patterns: &["Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302027", Message { patterns: &["Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes} {reason+}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("302303", Message { patterns: &["Built {transport} state-bypass connection {connection_id} from {src} to {dst}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("302304", Message { patterns: &["Teardown {transport} state-bypass connection {connection_id} from {src} to {dst} duration {duration} bytes {bytes} {reason+}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("303002", Message { patterns: &["FTP connection from {src} to {dst}, user {user} {ftp_action} file {file+}"], action: "ftp", category: &["network", "file"], types: &["access"], outcome: Some("success"), swap: false }),
    ("304001", Message { patterns: &["{src_ip} Accessed URL {dst_ip}:{url+}"], action: "web-request", category: NET, types: &["info", "allowed"], outcome: Some("success"), swap: false }),
    ("304002", Message { patterns: &["Access denied URL {url} SRC {src_ip} DEST {dst_ip} on interface {src_if}"], action: "web-request", category: NET, types: &["info", "denied"], outcome: Some("success"), swap: false }),
    ("305011", Message { patterns: &["Built {nat_type} {transport} translation from {src} to {dst}"], action: "nat-slot", category: &["network", "configuration"], types: &["creation"], outcome: Some("success"), swap: false }),
    ("305012", Message { patterns: &["Teardown {nat_type} {transport} translation from {src} to {dst} duration {duration}"], action: "nat-slot", category: &["network", "configuration"], types: &["deletion"], outcome: Some("success"), swap: false }),
    ("305006", Message { patterns: &["{translation_type} translation creation failed for {transport} src {src} dst {dst}{rest*}"], action: "firewall-rule", category: NET, types: &["info"], outcome: Some("failure"), swap: false }),
    ("305013", Message { patterns: &["Asymmetric NAT rules matched for forward and reverse flows; Connection for {transport} src {src} dst {dst} denied due to NAT reverse path failure"], action: "firewall-rule", category: NET, types: DENIED, outcome: Some("success"), swap: false }),
    ("210007", Message { patterns: &["LU allocate xlate failed for {translation_type} {transport} translation from {src} {src_nat} to {dst} {dst_nat}"], action: "firewall-rule", category: NET, types: &["info"], outcome: Some("failure"), swap: false }),
    ("609001", Message { patterns: &["Built local-host {src}"], action: "flow-creation", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("609002", Message { patterns: &["Teardown local-host {src} duration {duration}"], action: "flow-expiration", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("805001", Message { patterns: &["Offloaded {transport} Flow for connection {connection_id} from {src} {src_nat} to {dst} {dst_nat}"], action: "flow-offload-started", category: NET, types: CONN_START, outcome: Some("success"), swap: false }),
    ("805002", Message { patterns: &["{transport} Flow is no longer offloaded for connection {connection_id} from {src} {src_nat} to {dst} {dst_nat}"], action: "flow-offload-ended", category: NET, types: CONN_END, outcome: Some("success"), swap: false }),
    ("852002", Message { patterns: &["Received Full Proxy to Lightweight event from application {application} for {transport} flow {src_ip}/{src_port} to {dst_ip}/{dst_port}"], action: "firewall-rule", category: NET, types: &["info"], outcome: Some("success"), swap: false }),
    ("111008", Message { patterns: &["User '{user}' executed the '{command*}' command."], action: "configuration", category: &["configuration"], types: &["change"], outcome: Some("success"), swap: false }),
    ("111009", Message { patterns: &["User '{user}' executed cmd: {command+}"], action: "configuration", category: &["configuration"], types: &["info"], outcome: Some("success"), swap: false }),
    ("111010", Message { patterns: &["User '{user}', running '{application*}' from IP {src_ip}, executed '{command*}'"], action: "configuration", category: &["configuration"], types: &["change"], outcome: Some("success"), swap: false }),
    ("605004", Message { patterns: &[r#"Login denied from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service} for user "{user}""#], action: "logon-failed", category: AUTH, types: &["start", "info"], outcome: Some("failure"), swap: false }),
    ("605005", Message { patterns: &[r#"Login permitted from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service} for user "{user}""#], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("611101", Message { patterns: &["User authentication succeeded: IP address: {src_ip}, Uname: {user}"], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("611102", Message { patterns: &["User authentication failed: IP address: {src_ip}, Uname: {user}"], action: "logon-failed", category: AUTH, types: &["start", "info"], outcome: Some("failure"), swap: false }),
    ("611103", Message { patterns: &["User logged out: Uname: {user}"], action: "logged-out", category: AUTH, types: &["end"], outcome: Some("success"), swap: false }),
    ("113004", Message { patterns: &["AAA user {aaa_type} Successful : server =  {dst_ip} : user = {user}"], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("113005", Message { patterns: &["AAA user authentication Rejected : reason = {reason*} : server = {dst_ip} : user = {user*} : user IP = {src_ip}", "AAA user authentication Rejected : reason = {reason*} : server = {dst_ip} : user = {user+}"], action: "logon-failed", category: AUTH, types: &["start", "info"], outcome: Some("failure"), swap: false }),
    ("113008", Message { patterns: &["AAA transaction status ACCEPT : user = {user}"], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("113012", Message { patterns: &["AAA user authentication Successful : local database : user = {user}"], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("113014", Message { patterns: &["AAA authentication server not accessible : server = {dst_ip} : user = {user}"], action: "logon-failed", category: AUTH, types: &["start", "info"], outcome: Some("failure"), swap: false }),
    ("113015", Message { patterns: &["AAA user authentication Rejected : reason = {reason*} : local database : user = {user*} : user IP = {src_ip}"], action: "logon-failed", category: AUTH, types: &["start", "info"], outcome: Some("failure"), swap: false }),
    ("113019", Message { patterns: &["Group = {group*}, Username = {user*}, IP = {src_ip}, Session disconnected. Session Type: {session_type*}, Duration: {duration*}, Bytes xmt: {bytes_xmt}, Bytes rcv: {bytes_rcv}, Reason: {reason+}", "Group = {group*}, Username = {user*}, IP = {src_ip}, Session disconnected. {rest+}"], action: "logged-out", category: AUTH, types: &["end"], outcome: Some("success"), swap: false }),
    ("113039", Message { patterns: &["Group <{group*}> User <{user*}> IP <{src_ip}> AnyConnect parent session started."], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("716001", Message { patterns: &["Group <{group*}> User <{user*}> IP <{src_ip}> WebVPN session started."], action: "logged-in", category: AUTH, types: &["start"], outcome: Some("success"), swap: false }),
    ("716002", Message { patterns: &["Group <{group*}> User <{user*}> IP <{src_ip}> WebVPN session terminated: {reason+}"], action: "logged-out", category: AUTH, types: &["end"], outcome: Some("success"), swap: false }),
    ("722051", Message { patterns: &["Group <{group*}> User <{user*}> IP <{src_ip}> IPv4 Address <{assigned_ip}> IPv6 address <{assigned_ipv6}> assigned to session"], action: "firewall-rule", category: NET, types: &["info"], outcome: Some("success"), swap: false }),
    ("722037", Message { patterns: &["Group <{group*}> User <{user*}> IP <{src_ip}> SVC closing connection: {reason+}"], action: "logged-out", category: AUTH, types: &["end"], outcome: Some("success"), swap: false }),
    ("602303", Message { patterns: &["IPSEC: An {direction} {tunnel_type} SA (SPI= {spi}) between {src_ip} and {dst_ip} (user= {user}) has been created."], action: "created", category: &[], types: &[], outcome: Some("success"), swap: false }),
    ("602304", Message { patterns: &["IPSEC: An {direction} {tunnel_type} SA (SPI= {spi}) between {src_ip} and {dst_ip} (user= {user}) has been deleted."], action: "deleted", category: NET, types: &["info", "end", "allowed"], outcome: Some("success"), swap: false }),
];
