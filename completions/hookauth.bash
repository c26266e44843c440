# bash completion for hookauth(1)                                      -*- shell-script -*-
# Installed as share/bash-completion/completions/hookauth; or source it and it registers itself
# with `complete -F _hookauth hookauth`. Works with or without the bash-completion package.
# The binary answers: `hookauth __complete WORD... CUR` prints one candidate a line (a TAB and a
# description may follow), then `:N`, N a sum of 1 (also complete file names) and 2 (no space
# after the word). See hookauth(1), COMPLETION.
# shellcheck disable=SC2207  # COMPREPLY=($(compgen ...)) is the completion idiom

_hookauth() {
    local cur prev words cword split=false args=() i w
    if declare -F _init_completion >/dev/null 2>&1; then
        # -n : keeps "https://a.example/" one word, as the binary counts words.
        _init_completion -s -n : || return
        args=("${words[@]:1:cword-1}")
        $split && args+=("$prev")
    else
        # Without bash-completion, "--type=ba" arrives as "--type" "=" "ba", and a URL split at its
        # ':': join them again.
        for ((i = 1; i <= COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            if ((${#args[@]})) && [[ $w == [=:] || ${COMP_WORDS[i - 1]} == [=:] ]]; then
                args[${#args[@]} - 1]+=$w
            else
                args+=("$w")
            fi
        done
        cur=${args[${#args[@]} - 1]}
        unset 'args[${#args[@]}-1]'
        if [[ $cur == --?*=* ]]; then
            args+=("${cur%%=*}")
            cur=${cur#*=}
        fi
    fi
    # A quoted word ("--store '/a b'") arrives with its quotes.
    if declare -F dequote >/dev/null 2>&1; then
        for i in "${!args[@]}"; do
            [[ ${args[i]} == [\"\']* ]] && args[i]=$(dequote "${args[i]}")
        done
    fi

    local bin=${COMP_WORDS[0]} out lines directive
    # shellcheck disable=SC2088  # a literal "~/" as typed on the line
    [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
    out=$("$bin" __complete "${args[@]}" "$cur" 2>/dev/null </dev/null) || return 0
    mapfile -t lines <<<"$out"
    directive=${lines[${#lines[@]} - 1]}
    [[ $directive == :[0-9]* ]] || return 0
    directive=${directive#:}
    COMPREPLY=()
    for ((i = 0; i < ${#lines[@]} - 1; i++)); do
        COMPREPLY+=("${lines[i]%%$'\t'*}")
    done
    if ((directive & 1)); then
        if declare -F _filedir >/dev/null 2>&1; then
            _filedir
        else
            compopt -o filenames 2>/dev/null
            local IFS=$'\n'
            COMPREPLY+=($(compgen -f -- "$cur"))
        fi
    fi
    ((directive & 2)) && compopt -o nospace 2>/dev/null
    # bash replaces only what follows the word's last ':' (COMP_WORDBREAKS): drop what precedes it.
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local colon=${cur%"${cur##*:}"}
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$colon"}
        done
    fi
    return 0
} &&
    complete -F _hookauth hookauth

# ex: filetype=sh
