/**
 * The top-level domains a free-text token must end in to count as a domain.
 *
 * Deliberately small: the country codes plus the generic TLDs that carry real traffic (and most abuse).
 * Left out on purpose because they collide with file names that threat reports quote all the time:
 * `md` (README.md), `py`, `sh`, `so` (libfoo.so), `zip`, `mov`. An indicator on one of those TLDs still
 * arrives typed from structured sources (STIX, MISP, JSON mappings); only free-text extraction skips it.
 */
const GENERIC =
  "com net org info biz edu gov mil int io co me tv cc ws xyz top online site club shop store app dev " +
  "cloud live pro name mobi asia tel travel jobs tech space website link click work fun icu buzz vip win " +
  "bid loan men date stream download racing review trade party science cricket faith accountant gdn kim " +
  "ltd email page blog news one world today life global group company agency solutions services support " +
  "network systems digital media center host hosting security bank finance money fit rest bar cam cyou " +
  "monster sbs cfd lol quest beauty hair skin makeup autos boats homes motorcycles yachts mom pics best";

const COUNTRY =
  "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by " +
  "bz ca cd cf cg ch ci ck cl cm cn cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk " +
  "fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in iq ir " +
  "is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc mg mh mk ml " +
  "mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl " +
  "pm pn pr ps pt pw qa re ro rs ru rw sa sb sc sd se sg si sk sl sm sn sr ss st su sv sx sy sz tc td tf " +
  "tg th tj tk tl tm tn to tr tt tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ye yt za zm zw";

const TLDS: ReadonlySet<string> = new Set(`${GENERIC} ${COUNTRY}`.split(" "));

/** True when `tld` (lower-case, no dot) is one free-text extraction accepts. */
export function isKnownTld(tld: string): boolean {
  return TLDS.has(tld);
}
