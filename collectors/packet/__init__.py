"""Network sensors: packet captures, Zeek and Suricata logs."""
