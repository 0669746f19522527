/* The mails the panel sends about an account (AlternC 1.0's m_mem ChangeMail1/ChangeMail2 and
 * send_pass, m_admin's new-account notice), through the local MTA ([mail] sendmail). */
#ifndef PANEL_ACCOUNT_MAIL_H
#define PANEL_ACCOUNT_MAIL_H

#include "actor.h"
#include "common.h"

#define PANEL_MAIL_CHANGE_KEY_MAX    6	   /* chgmail.ckey: shown to the requester */
#define PANEL_MAIL_CHANGE_COOKIE_MAX 20	   /* chgmail.cookie: sent to the new address */
#define PANEL_RESET_TOKEN_MAX	     64	   /* "pr_" and 43 base64url characters, with room */
#define PANEL_MAIL_CHANGE_TTL	     86400 /* seconds a change or a reset waits, as 1.0 */

/* First step of a change of the account's contact address (the member itself, or an admin
 * managing it): replaces the account's pending change (AlternC's chgmail row: a random cookie
 * of 20 hex characters and key of 6), purges the requests older than a day, and mails to
 * new_mail the link of 1.0's confirmation page (https://<fqdn>/admin/mem_cm.php?usr=<uid>&
 * cookie=<cookie>). key gets the key, which the caller shows to the requester: confirming
 * needs both, so the change proves that the requester reads the new address. Nothing is kept
 * when the mail cannot be sent. PANEL_EINVALID (field "mail") for an address 1.0's checkmail
 * refuses or longer than 128 characters; PANEL_ELIMIT within a minute of the account's last
 * request (each mails an address of the requester's choosing). */
PANEL_EXTERN int panel_account_mail_change_request(char key[PANEL_MAIL_CHANGE_KEY_MAX + 1],
						   panel *p, const panel_actor *who,
						   const char *login, const char *new_mail);

/* Second step, without a session (1.0's mem_cm2.php): when cookie and key are those of the
 * pending change of the account uid and it is less than a day old, the account's mail becomes
 * the new address and the row goes. PANEL_EAUTH otherwise (1.0's mem 9); attempts are
 * throttled per account and per address (ip may be NULL). */
PANEL_EXTERN int panel_account_mail_change_confirm(panel *p, uint32_t uid, const char *cookie,
						   const char *key, const char *ip);

/* A forgotten password (1.0's send_pass, which mailed the stored hash): mails to the account's
 * contact address a reset token valid for a day, at most once a day per account (1.0's
 * lastaskpass). Returns 0 without sending anything for an unknown or locked login, an account
 * whose password the member may not change (canpass 0), or a second request within the day,
 * so that the answer tells nothing about the login. A failure to send undoes the request. */
PANEL_EXTERN int panel_account_password_reset_request(panel *p, const char *login, const char *ip);

/* Sets the password of login with a token from panel_account_password_reset_request: the
 * token must be the account's latest and less than a day old (PANEL_EAUTH otherwise,
 * throttled like logins), the password must satisfy the policy mem. The token is used up, and
 * the account's login tokens are revoked. */
PANEL_EXTERN int panel_account_password_reset(panel *p, const char *login, const char *token,
					      const char *password, const char *ip);

#endif
