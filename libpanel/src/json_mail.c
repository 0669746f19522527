/* JSON forms of mail addresses and FTP accounts (panel/json.h). */
#include "panel/json.h"

json_t *panel_mail_to_json(const panel_mail *m)
{
	json_t *recipients;

	if (!m)
		return NULL;
	recipients = json_array();
	for (size_t i = 0; recipients && i < m->nrecipients; i++)
		json_array_append_new(recipients, json_string(m->recipients[i]));
	return json_pack(
	    "{s:s, s:s, s:s, s:b, s:o, s:o, s:I}", "address", m->address, "local", m->local,
	    "domain", m->domain, "mailbox", m->mailbox, "recipients", recipients, "expires",
	    m->expires[0] ? json_string(m->expires) : json_null(), "size", (json_int_t)m->size);
}

json_t *panel_ftp_to_json(const panel_ftp *f)
{
	if (!f)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)f->id, "name", f->name,
			 "prefix", f->prefix, "suffix", f->suffix, "owner", f->login, "dir",
			 f->dir);
}

json_t *panel_mail_wrapper_to_json(const panel_mail_wrapper *w)
{
	if (!w)
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "address", w->address, "owner", w->login, "command",
			 w->command);
}
