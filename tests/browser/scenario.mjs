// A small, deterministic alert scenario in the AIT alert layout (profile `aitads`): two quiet
// days of routine sensor noise, then an intrusion on one web server (scan, exploitation,
// privilege escalation, data leaving), so the console has routine to auto-close and an attack
// to surface. Nothing here comes from a real data set.
const HOUR = 3600;

export function scenario(start = Date.UTC(2022, 0, 10, 0, 0, 0) / 1000) {
  const alerts = [];
  const add = (time, name, ip, host, short) => alerts.push({ time: String(time), name, ip, host, short });
  const end = start + 2 * 24 * HOUR;
  for (let t = start; t < end; t += 600) add(t, 'Wazuh: ClamAV database update', '10.1.0.5', 'mail', 'W-Sys-Cav');
  for (let t = start + 120; t < end; t += HOUR) {
    add(t, 'Wazuh: PAM: Login session opened.', '10.1.0.5', 'mail', 'W-Sys-Pam');
    add(t + 5, 'Wazuh: PAM: Login session closed.', '10.1.0.5', 'mail', 'W-Sys-Pam');
  }
  for (let t = start + 30; t < end; t += 300) add(t, 'Suricata: Alert - ET INFO Observed DNS Query to .biz TLD', '10.1.0.2', 'inet-dns', 'S-Dns-Biz');
  // The intrusion, on the afternoon of the third day.
  const a = end + 14 * HOUR;
  for (let i = 0; i < 60; i++) add(a + i * 2, 'Suricata: Alert - ET SCAN Nmap Scripting Engine User-Agent Detected', '10.9.9.66', 'webserver', 'S-Scn-Nmap');
  for (let i = 0; i < 120; i++) add(a + 150 + i, 'Wazuh: Web server 400 error code.', '10.9.9.66', 'webserver', 'W-Web-400');
  for (let i = 0; i < 8; i++) add(a + 400 + i * 10, 'Suricata: Alert - ET WEB_SERVER Possible CVE-2021-41773 Apache Path Traversal', '10.9.9.66', 'webserver', 'S-Web-Trav');
  add(a + 600, 'AMiner: New value detected: /tmp/.x/shell.php', '10.1.0.8', 'webserver', 'A-New-Val');
  for (let i = 0; i < 5; i++) add(a + 700 + i * 20, 'Wazuh: First time user executed sudo.', '10.1.0.8', 'webserver', 'W-Sys-Sudo');
  add(a + 820, 'Wazuh: Privilege escalation: user added to sudoers', '10.1.0.8', 'webserver', 'W-Sys-Priv');
  for (let i = 0; i < 40; i++) add(a + 900 + i * 3, 'Suricata: Alert - ET POLICY Outbound data transfer to unusual port (exfiltration)', '10.1.0.8', 'webserver', 'S-Pol-Exf');
  // Routine keeps going around it.
  for (let t = end; t < end + 20 * HOUR; t += 600) add(t, 'Wazuh: ClamAV database update', '10.1.0.5', 'mail', 'W-Sys-Cav');
  alerts.sort((x, y) => Number(x.time) - Number(y.time));
  return alerts;
}
