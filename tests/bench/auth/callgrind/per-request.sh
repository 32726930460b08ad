#!/bin/sh
# Instructions per request of each phase in DIR (phases.txt and the dumps of run.sh), and the inclusive cost
# per request of the TLS and HTTP-parse functions. WHO: server (default) or client.
#   tests/bench/auth/callgrind/per-request.sh DIR [server|client]
dir=${1:?DIR}; who=${2:-server}
while read -r phase server bench requests; do
  pid=$server; [ "$who" = client ] && pid=$bench
  file=$(grep -l "^desc: Trigger: dump $phase\$" "$dir/$who.$pid".* 2>/dev/null | head -1)
  [ -n "$file" ] || continue
  total=$(callgrind_annotate --auto=no "$file" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "$phase requests=$requests instructions/request=$((total / requests))"
  # Inclusive cost per function name, summed over the file:function entries callgrind makes for code
  # inlined from headers.
  callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$file" | awk -v n="$requests" '
    match($0, /:(SSL_read_ex|SSL_write_ex|SSL_read|SSL_write|EVP_CipherInit_ex|CRYPTO_gcm128_(en|de)crypt_ctr32) \[/) ||
    match($0, /:(boost::beast::http::basic_parser<true>::put|fhirgw::server::\(anonymous namespace\)::to_plain|fhirgw::server::check_access)\(/) {
      name = substr($0, RSTART + 1, RLENGTH - 2); x = $1; gsub(",", "", x); cost[name] += x
    }
    END { for (f in cost) printf "  %9.0f  %s\n", cost[f] / n, f }' | sort -rn
done < "$dir/phases.txt"
