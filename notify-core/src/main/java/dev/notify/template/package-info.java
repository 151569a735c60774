/**
 * Templates: named, parameterised notifications with text per channel and per locale, rendered
 * with Mustache (jmustache). A {@link dev.notify.template.TemplateRegistry} holds them, loaded
 * through {@link dev.notify.template.TemplateSource}s (a classpath folder, a directory, code);
 * {@link dev.notify.template.TemplateRegistry#render} turns a name, parameters and a locale into
 * a {@link dev.notify.template.Rendered}: the in-app title and message, and a part for each
 * channel the template writes text for ({@code email}, {@code push}, or any channel's name, such
 * as {@code sms}); a channel without a part of its own gets the in-app title and message.
 *
 * <h2>File format</h2>
 *
 * One UTF-8 JSON file per template, named {@code <name>.json}:
 *
 * <pre>{@code
 * {
 *   "name": "low_stock_alert",
 *   "type": "low_stock",
 *   "category": "inventory",
 *   "required": false,
 *   "default_locale": "en",
 *   "escalate_after": "PT30M",
 *   "locales": {
 *     "en": {
 *       "title": "Low stock: {{item_name}}",
 *       "message": "Only {{current_stock}} {{unit}} left of {{item_name}} (reorder at {{reorder_level}}).",
 *       "email": {
 *         "subject": "Reorder {{item_name}}",
 *         "text": "Only {{current_stock}} {{unit}} of {{item_name}} are left.\n\nThe reorder level is {{reorder_level}}.",
 *         "html": "<p>Only <b>{{current_stock}} {{unit}}</b> of {{item_name}} are left.</p>"
 *       },
 *       "push": { "title": "Low stock", "body": "{{item_name}}: {{current_stock}} {{unit}} left" },
 *       "sms": { "body": "Low stock: {{item_name}} ({{current_stock}} {{unit}})" }
 *     },
 *     "fr": {
 *       "title": "Stock bas : {{item_name}}",
 *       "message": "Plus que {{current_stock}} {{unit}} de {{item_name}} (seuil {{reorder_level}})."
 *     }
 *   },
 *   "sample": { "item_name": "Printer paper", "current_stock": 3, "unit": "reams", "reorder_level": 10 }
 * }
 * }</pre>
 *
 * <table>
 * <caption>Fields</caption>
 * <tr><th>field</th><th>required</th><th>meaning</th></tr>
 * <tr><td>{@code name}</td><td>no</td><td>must equal the file name without {@code .json} when given</td></tr>
 * <tr><td>{@code type}</td><td>no</td><td>the notification type; defaults to the name</td></tr>
 * <tr><td>{@code category}</td><td>no</td><td>preference and digest category; defaults to {@code general}</td></tr>
 * <tr><td>{@code required}</td><td>no</td><td>{@code true}: bypasses opt-outs and quiet hours (security alerts); defaults to {@code false}</td></tr>
 * <tr><td>{@code default_locale}</td><td>when several locales</td><td>one of the {@code locales} keys; the last fallback</td></tr>
 * <tr><td>{@code escalate_after}</td><td>no</td><td>ISO-8601 duration ({@code PT30M}): email only if still unread after that long</td></tr>
 * <tr><td>{@code locales}</td><td>yes</td><td>BCP 47 tag ({@code en}, {@code fr-CA}) to parts, at least one</td></tr>
 * <tr><td>{@code locales.*.title}</td><td>yes</td><td>in-app title (the {@code in_app} part, every channel's fallback)</td></tr>
 * <tr><td>{@code locales.*.message}</td><td>no</td><td>in-app message; defaults to empty</td></tr>
 * <tr><td>{@code locales.*.email.subject}</td><td>no</td><td>defaults to the title</td></tr>
 * <tr><td>{@code locales.*.email.text}</td><td>no</td><td>defaults to the message</td></tr>
 * <tr><td>{@code locales.*.email.html}</td><td>no</td><td>values HTML-escaped; defaults to the email text, escaped, in a minimal HTML document</td></tr>
 * <tr><td>{@code locales.*.push.title}</td><td>no</td><td>defaults to the title</td></tr>
 * <tr><td>{@code locales.*.push.body}</td><td>no</td><td>defaults to the message</td></tr>
 * <tr><td>{@code locales.*.<channel>}</td><td>no</td><td>the part of any other channel, named as the channel
 *     names itself (lower-case letters, digits, {@code _}, {@code -}; at most 32): an object with</td></tr>
 * <tr><td>{@code locales.*.<channel>.title}</td><td>no</td><td>one line (line breaks become spaces); defaults to the title</td></tr>
 * <tr><td>{@code locales.*.<channel>.body}</td><td>no</td><td>plain text; defaults to the message</td></tr>
 * <tr><td>{@code locales.*.<channel>.html}</td><td>no</td><td>values HTML-escaped; none by default</td></tr>
 * <tr><td>{@code sample}</td><td>no</td><td>parameters for previews; when given, must cover every variable of every locale</td></tr>
 * </table>
 *
 * <p>Loading is strict: invalid JSON, duplicate keys, unknown fields, wrongly typed values,
 * malformed locale tags and Mustache syntax errors throw {@link dev.notify.template.TemplateException}
 * naming the file and the field (e.g. {@code .../low_stock_alert.json: locales.fr.title is required}).
 * Any key of a locale other than {@code title} and {@code message} is a channel's part and must
 * be an object, so a misspelt {@code "mesage": "..."} is still an error. A part for a channel that
 * is not configured is kept and never used. Files written before channel parts existed (only
 * {@code email} and {@code push}) load unchanged.
 *
 * <h2>Rendering</h2>
 *
 * Locale fallback: exact ({@code fr-CA}), then language ({@code fr}), then the default locale.
 * Variables may be nested ({@code {{order.id}}}) and sections iterate lists or guard optional
 * parts ({@code {{#note}}Note: {{note}}{{/note}}}: skipped when {@code note} is missing, false,
 * empty or {@code ""}). A variable that is evaluated but missing or null is an error: rendering
 * throws {@link dev.notify.template.MissingParametersException} (code {@code missing_parameters})
 * naming every such parameter, sorted, before anything is stored. Only {@code html}
 * parts escape values; titles, messages and bodies insert them as they are.
 */
package dev.notify.template;
