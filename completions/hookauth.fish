# fish completion for hookauth(1). Installed as share/fish/vendor_completions.d/hookauth.fish.
# The binary answers: `hookauth __complete WORD... CUR` prints one candidate a line (a TAB and a
# description may follow, as fish shows them), then `:N`, N a sum of 1 (also complete file names)
# and 2 (no space after the word). See hookauth(1), COMPLETION.

function __hookauth_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l bin $words[1]
    set -e words[1]
    command -q -- $bin
    or return 0
    set -l out ($bin __complete $words "$cur" 2>/dev/null </dev/null)
    or return 0
    string match -qr '^:[0-9]+$' -- "$out[-1]"
    or return 0
    set -l directive (string sub -s 2 -- $out[-1])
    set -e out[-1]
    printf '%s\n' $out
    if contains -- $directive 1 3
        __fish_complete_path "$cur"
    end
end

complete -c hookauth -f -a '(__hookauth_complete)'
