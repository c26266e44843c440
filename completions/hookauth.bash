# bash completion for hookauth(1)                                      -*- shell-script -*-
# Installed as share/bash-completion/completions/hookauth; or source it and it registers
# itself with `complete -F _hookauth hookauth`. Works with or without the bash-completion
# package. Each flag the CLI accepts must appear here (tests/integration/test_docs.py checks it).
# shellcheck disable=SC2207  # COMPREPLY=($(compgen ...)) is the completion idiom

# The flags of each (sub)command, keyed by the command path.
_hookauth_flags() {
    case $1 in
        "") echo "--store -q --quiet --at --version -h --help" ;;
        auth | webhook) echo "-h --help" ;;
        "auth add")
            echo "--type --force --json --username --password --key --value --in --realm --nonce --algorithm" \
                "--qop --nc --cnonce --opaque --userhash --access-key --secret-key --session-token" \
                "--region --service --payload --content-sha256 --sign-header --grant --client-id" \
                "--client-secret --token-url --auth-url --redirect-uri --scope --validity --refresh-url" \
                "--token-method --token-params --token-header --client-auth --refresh-margin --issuer" \
                "--scheme --secret --signature --signature-secret $(_hookauth_hmac_flags) -h --help"
            ;;
        "auth list") echo "--json -h --help" ;;
        "auth show") echo "--json --reveal -h --help" ;;
        "auth presign") echo "-X --request --expires -v --verbose --json -h --help" ;;
        "auth token")
            echo "--refresh --open --no-listen --login-timeout --timeout --allow-insecure-http -v --verbose" \
                "--json --reveal -h --help"
            ;;
        "auth login")
            echo "--open --no-listen --login-timeout --timeout --allow-insecure-http -v --verbose --json" \
                "--reveal -h --help"
            ;;
        "auth remove") echo "--force --json -h --help" ;;
        "auth import") echo "-h --help" ;;
        "auth import postman") echo "--environment --prefix --force --json -h --help" ;;
        "webhook send")
            echo "--auth -X --request -H --header -d --data -i --include --json -v --verbose" \
                "--dry-run --reveal --curl --timeout --retries --cacert -k --insecure --cert --key" \
                "-L --location --allow-insecure-http --presign --expires --id --data-lines --concurrency --failed" \
                "-h --help"
            ;;
        "webhook add") echo "--url --auth -X --request -H --header --force --json -h --help" ;;
        "webhook list" | "webhook show") echo "--json -h --help" ;;
        "webhook remove") echo "--json -h --help" ;;
        verify)
            echo "--auth --request --json --introspect-url --expect-token --jwks --jwks-url --issuer --audience" \
                "--leeway --tolerance -v --verbose --max-skew -h --help"
            ;;
        "verify serve")
            echo "--auth --listen --log --count --introspect-url --expect-token --jwks --jwks-url --issuer" \
                "--audience --leeway --tolerance -v --verbose --max-skew --nonce-lifetime --max-connections" \
                "--max-body --read-timeout --tls-cert --tls-key --client-ca -h --help"
            ;;
    esac
}

# The options of the generic hmac payload signature, on the signature type and stacked on others.
_hookauth_hmac_flags() {
    echo "--signature-header --signature-algorithm --signature-encoding --signature-prefix --signed-content" \
        "--timestamp-header --id-header"
}

# Succeeds when flag $2 of command $1 takes a value (the next word).
_hookauth_takes_value() {
    [[ $2 == --store || $2 == --at ]] && return 0
    case $1 in
        "auth add")
            case $2 in
                --type | --username | --password | --key | --value | --in | --realm | --nonce | --algorithm | \
                    --qop | --nc | --cnonce | --opaque | --access-key | --secret-key | --session-token | \
                    --region | --service | --payload | --sign-header | --grant | --client-id | --client-secret | \
                    --token-url | --auth-url | --redirect-uri | --scope | --validity | --refresh-url | \
                    --token-method | --token-params | --token-header | --client-auth | --refresh-margin | \
                    --issuer | --scheme | --secret | --signature | --signature-secret | --signature-header | \
                    --signature-algorithm | --signature-encoding | --signature-prefix | --signed-content | \
                    --timestamp-header | --id-header) return 0 ;;
            esac
            ;;
        "auth presign")
            case $2 in -X | --request | --expires) return 0 ;; esac
            ;;
        "auth token" | "auth login")
            case $2 in --login-timeout | --timeout) return 0 ;; esac
            ;;
        "auth import postman")
            case $2 in --environment | --prefix) return 0 ;; esac
            ;;
        "webhook add")
            case $2 in --url | --auth | -X | --request | -H | --header) return 0 ;; esac
            ;;
        "webhook send")
            case $2 in
                --auth | -X | --request | -H | --header | -d | --data | --timeout | --retries | --cacert | \
                    --cert | --key | --expires | --id | --data-lines | --concurrency | --failed) return 0 ;;
            esac
            ;;
        verify)
            case $2 in
                --auth | --request | --introspect-url | --expect-token | --jwks | --jwks-url | --issuer | \
                    --audience | --leeway | --tolerance | --max-skew) return 0 ;;
            esac
            ;;
        "verify serve")
            case $2 in
                --auth | --listen | --log | --count | --introspect-url | --expect-token | --jwks | --jwks-url | \
                    --issuer | --audience | --leeway | --tolerance | --max-skew | --nonce-lifetime | \
                    --max-connections | --max-body | --read-timeout | --tls-cert | --tls-key | --client-ca) return 0 ;;
            esac
            ;;
    esac
    return 1
}

# The names in the store, one a line; nothing at all when anything fails.
# $1: the hookauth command as typed, $2: a --store given on the line (may be empty),
# $3: "auth" for the authorizations (the default), "webhook" for the saved webhooks.
_hookauth_names() {
    local bin=$1 store=$2 kind=${3:-auth} out
    # shellcheck disable=SC2088  # a literal "~/" as typed on the line
    [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
    # shellcheck disable=SC2088
    [[ $store == "~/"* ]] && store=$HOME/${store#"~/"}
    out=$("$bin" ${store:+--store "$store"} "$kind" list --json 2>/dev/null </dev/null) || return 0
    # Names are letters, digits, '.', '_' and '-', so no JSON unescaping is needed; only the
    # "name" members match (a saved header is one JSON string, its quotes escaped).
    printf '%s\n' "$out" | sed -n 's/^ *"name": "\([A-Za-z0-9._-]*\)",\{0,1\}$/\1/p'
}

# COMPREPLY: the words of $1 that complete the last comma-separated item of $cur.
_hookauth_list_item() {
    local head=""
    [[ $cur == *,* ]] && head=${cur%,*},
    COMPREPLY=($(compgen -P "$head" -W "$1" -- "${cur##*,}"))
}

_hookauth_files() {
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir
    else
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_hookauth() {
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        # Without bash-completion, "--type=ba" arrives as "--type" "=" "ba".
        if [[ $cur == "=" ]]; then
            prev=${COMP_WORDS[COMP_CWORD - 1]}
            cur=""
            split=true
        elif [[ $prev == "=" ]]; then
            prev=${COMP_WORDS[COMP_CWORD - 2]}
            split=true
        fi
    fi

    # Walk the words before the cursor: the command path, a --store, the positionals, the type and
    # the payload signature scheme (--scheme of the signature type, --signature of the others).
    local cmd="" store="" type="" scheme="" npos=0 i w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --store=*) store=${w#--store=} ;;
            --type=*) type=${w#--type=} ;;
            --scheme=* | --signature=*) scheme=${w#*=} ;;
            --*=* | "=") ;;
            -*)
                if _hookauth_takes_value "$cmd" "$w" && ((i + 1 < cword)); then
                    ((i++))
                    [[ ${words[i]} == "=" ]] && ((i + 1 < cword)) && ((i++))
                    case $w in
                        --store) store=${words[i]} ;;
                        --type) type=${words[i]} ;;
                        --scheme | --signature) scheme=${words[i]} ;;
                    esac
                fi
                ;;
            *)
                case "$cmd:$w" in
                    :auth | :webhook | :verify) cmd=$w ;;
                    auth:add | auth:list | auth:show | auth:presign | auth:token | auth:login | auth:remove | auth:import)
                        cmd="auth $w"
                        ;;
                    "auth import:postman") cmd="auth import postman" ;;
                    auth:rm) cmd="auth remove" ;;
                    webhook:send | webhook:add | webhook:list | webhook:show | webhook:remove) cmd="webhook $w" ;;
                    webhook:rm) cmd="webhook remove" ;;
                    verify:serve) cmd="verify serve" ;;
                    *) ((npos++)) ;;
                esac
                ;;
        esac
    done
    # A quoted store path ("--store '/a b'") arrives with its quotes.
    if [[ $store == [\"\']* ]] && declare -F dequote >/dev/null 2>&1; then
        store=$(dequote "$store")
    fi

    # The value of a flag.
    if [[ $prev == -* ]] && _hookauth_takes_value "$cmd" "$prev"; then
        case "$cmd:$prev" in
            *:--store | "auth import postman:--environment" | "webhook send:--cacert" | "webhook send:--cert" | "webhook send:--key" | \
                "verify serve:--log" | *:--jwks)
                _hookauth_files
                ;;
            "auth add:--type")
                COMPREPLY=($(compgen -W "none basic api-key digest aws-sigv4 oauth2 signature" -- "$cur"))
                ;;
            "auth add:--scheme" | "auth add:--signature")
                COMPREPLY=($(compgen -W "standard-webhooks github stripe hmac" -- "$cur"))
                ;;
            "auth add:--signature-algorithm") COMPREPLY=($(compgen -W "sha256 sha512" -- "$cur")) ;;
            "auth add:--signature-encoding") COMPREPLY=($(compgen -W "hex base64" -- "$cur")) ;;
            *:--tolerance) COMPREPLY=($(compgen -W "none" -- "$cur")) ;;
            "auth add:--in") COMPREPLY=($(compgen -W "header query" -- "$cur")) ;;
            "auth add:--payload") COMPREPLY=($(compgen -W "signed unsigned" -- "$cur")) ;;
            "auth add:--grant") COMPREPLY=($(compgen -W "client-credentials authorization-code" -- "$cur")) ;;
            "auth add:--token-method") COMPREPLY=($(compgen -W "POST GET" -- "$cur")) ;;
            "auth add:--token-params") COMPREPLY=($(compgen -W "body url" -- "$cur")) ;;
            "auth add:--client-auth") COMPREPLY=($(compgen -W "body basic" -- "$cur")) ;;
            # Comma lists: complete the item after the last comma, keeping the ones before it.
            "auth add:--algorithm")
                _hookauth_list_item "MD5 MD5-sess SHA-256 SHA-256-sess SHA-512-256 SHA-512-256-sess"
                ;;
            "auth add:--qop")
                if [[ $cur == *,* ]]; then _hookauth_list_item "auth auth-int"; else _hookauth_list_item "auth auth-int none"; fi
                ;;
            *:--auth) COMPREPLY=($(compgen -W "$(_hookauth_names "${words[0]}" "$store")" -- "$cur")) ;;
            "webhook send:-X" | "webhook send:--request" | "webhook add:-X" | "webhook add:--request" | \
                "auth presign:-X" | "auth presign:--request")
                COMPREPLY=($(compgen -W "GET POST PUT PATCH DELETE HEAD" -- "$cur"))
                ;;
            "webhook send:-d" | "webhook send:--data")
                if [[ $cur == @* ]]; then
                    compopt -o filenames 2>/dev/null
                    local IFS=$'\n'
                    COMPREPLY=($(compgen -P @ -f -- "${cur#@}"))
                fi
                ;;
            "verify:--request")
                _hookauth_files
                [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
                ;;
        esac
        return 0
    fi
    $split && return 0

    if [[ $cur == -* ]]; then
        local flags
        flags=$(_hookauth_flags "$cmd")
        # auth add: only the field flags of the type already chosen.
        if [[ $cmd == "auth add" ]]; then
            case $type in
                none) flags="--type --force --json -h --help" ;;
                basic) flags="--type --force --json --username --password -h --help" ;;
                api-key) flags="--type --force --json --key --value --in -h --help" ;;
                digest)
                    flags="--type --force --json --username --password --realm --nonce --algorithm --qop --nc"
                    flags+=" --cnonce --opaque --userhash -h --help"
                    ;;
                aws-sigv4)
                    flags="--type --force --json --access-key --secret-key --session-token --region --service --payload"
                    flags+=" --content-sha256 --sign-header -h --help"
                    ;;
                oauth2)
                    flags="--type --force --json --grant --client-id --client-secret --token-url --auth-url --redirect-uri"
                    flags+=" --scope --validity --refresh-url --token-method --token-params --token-header"
                    flags+=" --client-auth --refresh-margin --issuer -h --help"
                    ;;
                signature)
                    flags="--type --force --json --scheme --secret -h --help"
                    # The hmac options, until a scheme other than hmac is chosen.
                    [[ -z $scheme || $scheme == hmac ]] && flags+=" $(_hookauth_hmac_flags)"
                    ;;
            esac
            # Every other type can carry a payload signature; the hmac options once it is hmac.
            case $type in
                none | basic | api-key | digest | aws-sigv4 | oauth2)
                    flags+=" --signature --signature-secret"
                    [[ $scheme == hmac ]] && flags+=" $(_hookauth_hmac_flags)"
                    ;;
            esac
        fi
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return 0
    fi

    case $cmd in
        "") COMPREPLY=($(compgen -W "auth webhook verify" -- "$cur")) ;;
        auth) COMPREPLY=($(compgen -W "add list show presign token login import remove rm" -- "$cur")) ;;
        "auth import") COMPREPLY=($(compgen -W "postman" -- "$cur")) ;;
        "auth import postman") ((npos == 0)) && _hookauth_files ;;
        webhook) COMPREPLY=($(compgen -W "send add list show remove rm" -- "$cur")) ;;
        verify) COMPREPLY=($(compgen -W "serve" -- "$cur")) ;;
        "auth show" | "auth remove" | "auth presign" | "auth token" | "auth login")
            ((npos == 0)) && COMPREPLY=($(compgen -W "$(_hookauth_names "${words[0]}" "$store")" -- "$cur"))
            ;;
        # The saved webhooks; webhook send also takes a URL there, which is typed, not completed.
        "webhook show" | "webhook remove" | "webhook send")
            ((npos == 0)) && COMPREPLY=($(compgen -W "$(_hookauth_names "${words[0]}" "$store" webhook)" -- "$cur"))
            ;;
    esac
    return 0
} &&
    complete -F _hookauth hookauth

# ex: filetype=sh
