/*
 * The ECO protocol: what ecod and ecoctl both know. See docs/PROTOCOL.md.
 */
#ifndef ECO_PROTO_H
#define ECO_PROTO_H

#define ECO_VERSION		"0.1.0"
#define ECO_PROTO_VERSION	1

#define ECO_DEFAULT_SOCKET	"/run/ecod/ecod.sock"
#define ECO_DEFAULT_CONFIG	"/etc/ecod/ecod.conf"

/* Fields in one request or reply line, the verb included. */
#define ECO_MAX_FIELDS		32

/* Reply line prefixes: data lines, then exactly one OK or ERR line. */
#define ECO_REPLY_DATA		"*"
#define ECO_REPLY_OK		"OK"
#define ECO_REPLY_ERR		"ERR"

/* Error codes: the second field of an ERR line, for scripts. */
#define ECO_ERR_PROTO		"proto"		/* line cannot be parsed */
#define ECO_ERR_TOOLONG		"toolong"	/* line over max_line_bytes */
#define ECO_ERR_UNKNOWN		"unknown"	/* no such verb */
#define ECO_ERR_USAGE		"usage"		/* wrong number of fields */
#define ECO_ERR_HELLO		"hello"		/* handshake missing or repeated */
#define ECO_ERR_VERSION		"version"	/* unsupported protocol version */
#define ECO_ERR_DENIED		"denied"	/* role may not use the verb */
#define ECO_ERR_BUSY		"busy"		/* connection limit reached */
#define ECO_ERR_TIMEOUT		"timeout"	/* idle too long */
#define ECO_ERR_INTERNAL	"internal"	/* daemon-side failure */
#define ECO_ERR_INVALID		"invalid"	/* a field's value is wrong */
#define ECO_ERR_NOTFOUND	"notfound"	/* no such slot, code, booking */
#define ECO_ERR_TAKEN		"taken"		/* the slot is booked already */
#define ECO_ERR_CONFLICT	"conflict"	/* clashes with what exists */
#define ECO_ERR_POLICY		"policy"	/* notice or window rules */
#define ECO_ERR_LIMIT		"limit"		/* rate limit reached */
#define ECO_ERR_AUTH		"auth"		/* login failed */

/* Modalities of a session, as written in the protocol and the CLI. */
#define ECO_MODALITIES		"presencial, telefono, video"

/*
 * One AVAIL-ADD request repeats a slot over at most ECO_AVAIL_SPAN_DAYS
 * after its first date (two years), so at most ECO_AVAIL_SLOTS_MAX slots
 * (one a day) or ECO_AVAIL_WEEKS_MAX weeks; past it, ERR invalid.
 */
#define ECO_AVAIL_SPAN_DAYS	731
#define ECO_AVAIL_SLOTS_MAX	(ECO_AVAIL_SPAN_DAYS + 1)
#define ECO_AVAIL_WEEKS_MAX	((ECO_AVAIL_SPAN_DAYS + 1) / 7)

/* An intake message: at most this many bytes before sealing. */
#define ECO_MESSAGE_MAX		4096
#define ECO_LOCATION_MAX	200
/* The largest max_message_bytes (a case message's text) a config may set;
 * the sealed message must also fit max_line_bytes. */
#define ECO_MESSAGE_TEXT_MAX	65536
/* A slot's join details (a room, a number to call, a video link): shown
 * only to the code of a case booked there and to its counsellor. */
#define ECO_JOIN_MAX		300
/* ical_summary, the title of the worker's own calendar event. */
#define ICAL_SUMMARY_MAX	64

/* A sealed note travels in chunks of at most this many bytes a line. */
#define ECO_CHUNK_BYTES		3072
/* The largest max_note_bytes a configuration may set. */
#define ECO_NOTE_MAX		16777216

/*
 * The audit log: an entry is at most ECO_AUDIT_ENTRY_MAX bytes; one
 * AUDIT-ENTRIES request gets at most ECO_AUDIT_PAGE_MAX of them (ERR limit
 * past it), so no request makes the daemon build or queue the whole log.
 */
#define ECO_AUDIT_ENTRY_MAX	512
#define ECO_AUDIT_PAGE_MAX	1000

/*
 * What the client accepts from a daemon: one reply line at most
 * ECO_REPLY_LINE_MAX bytes, one reply at most ECO_REPLY_MAX bytes (each
 * data line counted with ECO_REPLY_LINE_COST more for its bookkeeping).
 */
#define ECO_REPLY_LINE_MAX	(1024 * 1024)
#define ECO_REPLY_MAX		(64 * 1024 * 1024)
#define ECO_REPLY_LINE_COST	512

#endif
