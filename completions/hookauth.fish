# fish completion for hookauth(1). Installed as share/fish/vendor_completions.d/hookauth.fish.
# Authorization and saved-webhook names are read from the store by running
# `hookauth [--store PATH] auth|webhook list --json`, with the --store of the line being
# completed, else $HOOKAUTH_STORE (the binary reads it).

# Succeeds when option $argv[1] takes a value (the next word), in any command.
function __hookauth_takes_value
    switch $argv[1]
        case --store --at --type --username --password --key --value --in --realm --nonce --algorithm \
                --qop --nc --cnonce --opaque --access-key --secret-key --session-token --region --service \
                --payload --sign-header --grant --client-id --client-secret --token-url --auth-url \
                --redirect-uri --scope --validity --refresh-url --token-method --token-params --token-header \
                --client-auth --refresh-margin --issuer --scheme --secret --signature --signature-secret \
                --signature-header --signature-algorithm --signature-encoding --signature-prefix \
                --signed-content --timestamp-header --id-header -X --request --expires --login-timeout \
                --timeout --url --auth -H --header -d --data --retries --cacert --cert --id --concurrency \
                --introspect-url --expect-token --jwks --jwks-url --audience --leeway --tolerance \
                --max-skew --listen --log --count --nonce-lifetime --max-connections --max-body \
                --read-timeout --tls-cert --tls-key --client-ca --environment --prefix
            return 0
    end
    return 1
end

# Prints the command path ("-" at the top, "auth show", ...), the number of positionals after it,
# and the --store given on the line (may be missing).
function __hookauth_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd -
    set -l npos 0
    set -l store
    set -l skip
    for t in $tokens
        if test -n "$skip"
            test "$skip" = --store; and set store $t
            set skip
            continue
        end
        switch $t
            case '--store=*'
                set store (string replace -- --store= '' $t)
            case '--*=*'
            case '-*'
                __hookauth_takes_value $t; and set skip $t
            case '*'
                switch "$cmd:$t"
                    case -:auth -:webhook -:verify
                        set cmd $t
                    case auth:add auth:list auth:show auth:presign auth:token auth:login auth:remove auth:import \
                            webhook:send webhook:add webhook:list webhook:show webhook:remove verify:serve
                        set cmd "$cmd $t"
                    case 'auth import:postman'
                        set cmd "$cmd $t"
                    case auth:rm webhook:rm
                        set cmd "$cmd remove"
                    case '*'
                        set npos (math $npos + 1)
                end
        end
    end
    printf '%s\n' $cmd $npos $store
end

# Succeeds when the command path is one of $argv.
function __hookauth_using
    set -l p (__hookauth_parse)
    contains -- $p[1] $argv
end

# Succeeds when the command path is one of $argv and no positional has been given yet.
function __hookauth_first_arg
    set -l p (__hookauth_parse)
    contains -- $p[1] $argv; and test $p[2] -eq 0
end

# The names in the store, one a line; nothing at all when anything fails. $argv[1]: auth or webhook.
function __hookauth_names
    set -l p (__hookauth_parse)
    set -l bin (commandline -opc)[1]
    test -n "$bin"; or set bin hookauth
    set bin (string replace -r '^~/' "$HOME/" -- $bin)
    set -l opt
    if set -q p[3]
        set opt --store (string replace -r '^~/' "$HOME/" -- $p[3])
    end
    set -l out (command $bin $opt $argv[1] list --json 2>/dev/null </dev/null); or return 0
    # Names are letters, digits, '.', '_' and '-': no JSON unescaping is needed.
    string replace -rf '^\s*"name": "([A-Za-z0-9._-]+)",?$' '$1' -- $out
end

complete -c hookauth -f

# Global options and commands.
complete -c hookauth -n '__hookauth_using -' -l store -r -F -d 'the profile store'
complete -c hookauth -n '__hookauth_using -' -s q -l quiet -d 'print no notes on stderr'
complete -c hookauth -n '__hookauth_using -' -l at -x -d 'sign and verify as if it were TIME'
complete -c hookauth -n '__hookauth_using -' -l version -d 'print the version'
complete -c hookauth -s h -l help -d 'print help'
complete -c hookauth -n '__hookauth_using -' -a auth -d 'manage authorizations'
complete -c hookauth -n '__hookauth_using -' -a webhook -d 'send webhooks'
complete -c hookauth -n '__hookauth_using -' -a verify -d 'check that a received request carries valid authorization'

# auth
complete -c hookauth -n '__hookauth_using auth' -a add -d 'add an authorization'
complete -c hookauth -n '__hookauth_using auth' -a list -d 'list the authorizations'
complete -c hookauth -n '__hookauth_using auth' -a show -d 'show one authorization'
complete -c hookauth -n '__hookauth_using auth' -a presign -d 'print a presigned URL (aws-sigv4)'
complete -c hookauth -n '__hookauth_using auth' -a token -d 'print a valid OAuth 2.0 access token'
complete -c hookauth -n '__hookauth_using auth' -a login -d 'log in with the authorization code flow'
complete -c hookauth -n '__hookauth_using auth' -a 'remove rm' -d 'remove an authorization'
complete -c hookauth -n '__hookauth_using auth' -a import -d "create authorizations from another tool's files"
complete -c hookauth -n '__hookauth_using "auth import"' -a postman -d 'the auth blocks of a Postman collection'
complete -c hookauth -n '__hookauth_using "auth import postman"' -l environment -r -F -d 'a Postman environment'
complete -c hookauth -n '__hookauth_using "auth import postman"' -l prefix -x -d 'put TEXT before every name'
complete -c hookauth -n '__hookauth_using "auth import postman"' -l force -d 'replace authorizations of the same name'
complete -c hookauth -n '__hookauth_using "auth import postman"' -l json -d 'print JSON'

complete -c hookauth -n '__hookauth_first_arg "auth show" "auth remove" "auth presign" "auth token" "auth login"' \
    -a '(__hookauth_names auth)' -d authorization

# auth add
set -l add '__hookauth_using "auth add"'
complete -c hookauth -n $add -l type -x -a 'none basic api-key digest aws-sigv4 oauth2 signature' -d 'the authorization type'
complete -c hookauth -n $add -l force -d 'replace an authorization of the same name'
complete -c hookauth -n $add -l json -d 'print what was done as a JSON object'
complete -c hookauth -n $add -l signature -x -a 'standard-webhooks github stripe hmac' -d 'also sign the payload'
complete -c hookauth -n $add -l signature-secret -x -d 'the payload signature secret'
complete -c hookauth -n $add -l signature-header -x -d 'hmac: the signature header'
complete -c hookauth -n $add -l signature-algorithm -x -a 'sha256 sha512' -d 'hmac: the HMAC hash'
complete -c hookauth -n $add -l signature-encoding -x -a 'hex base64' -d 'hmac: how the MAC is written'
complete -c hookauth -n $add -l signature-prefix -x -d 'hmac: text before the MAC'
complete -c hookauth -n $add -l signed-content -x -d 'hmac: what is signed'
complete -c hookauth -n $add -l timestamp-header -x -d 'hmac: the header that carries {timestamp}'
complete -c hookauth -n $add -l id-header -x -d 'hmac: the header that carries {id}'
complete -c hookauth -n $add -l username -x -d 'the user-id (basic, digest)'
complete -c hookauth -n $add -l password -x -d 'the password (basic, digest)'
complete -c hookauth -n $add -l key -x -d 'the header or query parameter name (api-key)'
complete -c hookauth -n $add -l value -x -d 'the key itself (api-key)'
complete -c hookauth -n $add -l in -x -a 'header query' -d 'where the key goes (api-key)'
complete -c hookauth -n $add -l realm -x -d 'the realm (digest)'
complete -c hookauth -n $add -l nonce -x -d 'a nonce shared in advance (digest)'
complete -c hookauth -n $add -l algorithm -x -a 'MD5 MD5-sess SHA-256 SHA-256-sess SHA-512-256 SHA-512-256-sess' -d 'the algorithm (digest)'
complete -c hookauth -n $add -l qop -x -a 'auth auth-int none' -d 'the quality of protection (digest)'
complete -c hookauth -n $add -l nc -x -d 'the first nonce count (digest)'
complete -c hookauth -n $add -l cnonce -x -d 'a fixed client nonce (digest)'
complete -c hookauth -n $add -l opaque -x -d 'the opaque value (digest)'
complete -c hookauth -n $add -l userhash -d 'send the username hashed (digest)'
complete -c hookauth -n $add -l access-key -x -d 'the access key id (aws-sigv4)'
complete -c hookauth -n $add -l secret-key -x -d 'the secret access key (aws-sigv4)'
complete -c hookauth -n $add -l session-token -x -d 'a session token (aws-sigv4)'
complete -c hookauth -n $add -l region -x -d 'the region (aws-sigv4)'
complete -c hookauth -n $add -l service -x -d 'the service (aws-sigv4)'
complete -c hookauth -n $add -l payload -x -a 'signed unsigned' -d 'whether the payload is signed (aws-sigv4)'
complete -c hookauth -n $add -l content-sha256 -d 'also send x-amz-content-sha256 (aws-sigv4)'
complete -c hookauth -n $add -l sign-header -x -d 'one more header to sign (aws-sigv4)'
complete -c hookauth -n $add -l grant -x -a 'client-credentials authorization-code' -d 'the grant (oauth2)'
complete -c hookauth -n $add -l client-id -x -d 'the client id (oauth2)'
complete -c hookauth -n $add -l client-secret -x -d 'the client secret (oauth2)'
complete -c hookauth -n $add -l token-url -x -d 'the access token URL (oauth2)'
complete -c hookauth -n $add -l auth-url -x -d 'the authorization URL (oauth2)'
complete -c hookauth -n $add -l redirect-uri -x -d 'the callback URL (oauth2)'
complete -c hookauth -n $add -l scope -x -d 'the scopes, space-separated (oauth2)'
complete -c hookauth -n $add -l validity -x -d 'seconds a token lives (oauth2)'
complete -c hookauth -n $add -l refresh-url -x -d 'the refresh token URL (oauth2)'
complete -c hookauth -n $add -l token-method -x -a 'POST GET' -d 'the token request method (oauth2)'
complete -c hookauth -n $add -l token-params -x -a 'body url' -d 'where the token parameters go (oauth2)'
complete -c hookauth -n $add -l token-header -x -d 'a header added to token requests (oauth2)'
complete -c hookauth -n $add -l client-auth -x -a 'body basic' -d 'how the client authenticates (oauth2)'
complete -c hookauth -n $add -l refresh-margin -x -d 'seconds before expiry to refresh (oauth2)'
complete -c hookauth -n $add -l issuer -x -d 'the expected iss of the callback (oauth2)'
complete -c hookauth -n $add -l scheme -x -a 'standard-webhooks github stripe hmac' -d 'the signature scheme (signature)'
complete -c hookauth -n $add -l secret -x -d 'the signing secret (signature)'

# auth list, show, presign, token, login, remove
complete -c hookauth -n '__hookauth_using "auth list" "auth show" "auth presign" "auth token" "auth login" "auth remove"' -l json -d 'print JSON'
complete -c hookauth -n '__hookauth_using "auth show" "auth token" "auth login"' -l reveal -d 'show secrets'
complete -c hookauth -n '__hookauth_using "auth presign"' -s X -l request -x -a 'GET POST PUT PATCH DELETE HEAD' -d 'the method'
complete -c hookauth -n '__hookauth_using "auth presign"' -l expires -x -d 'seconds the URL stays valid'
complete -c hookauth -n '__hookauth_using "auth presign" "auth token" "auth login"' -s v -l verbose -d 'print details on stderr'
complete -c hookauth -n '__hookauth_using "auth token"' -l refresh -d 'refresh the token even if it is fresh'
set -l tok '__hookauth_using "auth token" "auth login"'
complete -c hookauth -n $tok -l open -d 'open the authorization URL with xdg-open'
complete -c hookauth -n $tok -l no-listen -d 'read the redirected URL from stdin'
complete -c hookauth -n $tok -l login-timeout -x -d 'seconds to wait for the login'
complete -c hookauth -n $tok -l timeout -x -d 'give up after SECONDS'
complete -c hookauth -n $tok -l allow-insecure-http -d 'allow token requests over plain http'
complete -c hookauth -n '__hookauth_using "auth remove"' -l force -d 'remove it even when a saved webhook uses it'

# webhook
complete -c hookauth -n '__hookauth_using webhook' -a send -d 'send one webhook with an authorization applied'
complete -c hookauth -n '__hookauth_using webhook' -a add -d 'save a webhook'
complete -c hookauth -n '__hookauth_using webhook' -a list -d 'list the saved webhooks'
complete -c hookauth -n '__hookauth_using webhook' -a show -d 'show one saved webhook'
complete -c hookauth -n '__hookauth_using webhook' -a 'remove rm' -d 'remove a saved webhook'
complete -c hookauth -n '__hookauth_first_arg "webhook send" "webhook show" "webhook remove"' \
    -a '(__hookauth_names webhook)' -d 'saved webhook'
complete -c hookauth -n '__hookauth_using "webhook list" "webhook show" "webhook remove" "webhook add" "webhook send"' -l json -d 'print JSON'

set -l send '__hookauth_using "webhook send"'
set -l sendadd '__hookauth_using "webhook send" "webhook add"'
complete -c hookauth -n $sendadd -s X -l request -x -a 'GET POST PUT PATCH DELETE HEAD' -d 'the method'
complete -c hookauth -n $sendadd -s H -l header -x -d "an extra header, 'NAME: VALUE'"
complete -c hookauth -n '__hookauth_using "webhook add"' -l url -x -d 'the receiver URL'
complete -c hookauth -n '__hookauth_using "webhook add"' -l force -d 'replace a saved webhook of the same name'
complete -c hookauth -n $send -s d -l data -x -d 'the body: DATA, @FILE or @-'
complete -c hookauth -n $send -s i -l include -d 'print the status line and headers'
complete -c hookauth -n $send -s v -l verbose -d 'print the exchange headers on stderr'
complete -c hookauth -n $send -l dry-run -d 'print the request and send nothing'
complete -c hookauth -n $send -l reveal -d 'show secrets in what is printed'
complete -c hookauth -n $send -l curl -d 'print an equivalent curl command line'
complete -c hookauth -n $send -l timeout -x -d 'give up after SECONDS'
complete -c hookauth -n $send -l retries -x -d 'retry N times'
complete -c hookauth -n $send -l cacert -r -F -d 'trust the CA certificates in FILE'
complete -c hookauth -n $send -s k -l insecure -d 'do not verify the TLS certificate'
complete -c hookauth -n $send -l cert -r -F -d 'client certificate (PEM)'
complete -c hookauth -n $send -l key -r -F -d 'client private key (PEM)'
complete -c hookauth -n $send -s L -l location -d 'follow redirects'
complete -c hookauth -n $send -l allow-insecure-http -d 'allow credentials over plain http'
complete -c hookauth -n $send -l presign -d 'aws-sigv4: sign in the query string'
complete -c hookauth -n $send -l expires -x -d 'seconds the presigned URL stays valid'
complete -c hookauth -n $send -l id -x -d 'the payload signature message id'
complete -c hookauth -n $send -l data-lines -r -F -d 'send one webhook per line of FILE'
complete -c hookauth -n $send -l concurrency -x -d 'requests in flight with --data-lines'
complete -c hookauth -n $send -l failed -r -F -d 'write the lines that failed to FILE'

# --auth: an authorization name, wherever the command takes it.
complete -c hookauth -n '__hookauth_using "webhook send" "webhook add" verify "verify serve"' -l auth -x \
    -a '(__hookauth_names auth)' -d 'the authorization'

# verify, verify serve
complete -c hookauth -n '__hookauth_using verify' -a serve -d 'answer every request with 200 when valid, 401 when not'
set -l ver '__hookauth_using verify "verify serve"'
complete -c hookauth -n $ver -s v -l verbose -d 'print the canonical request or signed content'
complete -c hookauth -n $ver -l max-skew -x -d 'seconds X-Amz-Date may be off'
complete -c hookauth -n $ver -l tolerance -x -a none -d 'seconds a timestamp may be off'
complete -c hookauth -n $ver -l introspect-url -x -d 'check bearer tokens by introspection'
complete -c hookauth -n $ver -l expect-token -x -d 'the one valid bearer token'
complete -c hookauth -n $ver -l jwks-url -x -d 'the key set URL'
complete -c hookauth -n $ver -l jwks -r -F -d 'the key set file'
complete -c hookauth -n $ver -l issuer -x -d 'the iss tokens must carry'
complete -c hookauth -n $ver -l audience -x -d 'the aud tokens must be for'
complete -c hookauth -n $ver -l leeway -x -d 'seconds of clock skew on exp and nbf'
complete -c hookauth -n '__hookauth_using verify' -l request -r -F -d 'a captured raw HTTP/1.1 request'
complete -c hookauth -n '__hookauth_using verify' -l json -d 'print a JSON object'
complete -c hookauth -n '__hookauth_using "verify serve"' -l listen -x -d 'the address to listen on'
complete -c hookauth -n '__hookauth_using "verify serve"' -l log -r -F -d 'append the JSON log lines to FILE'
complete -c hookauth -n '__hookauth_using "verify serve"' -l count -x -d 'exit after answering N requests'
complete -c hookauth -n '__hookauth_using "verify serve"' -l nonce-lifetime -x -d 'seconds a Digest nonce is accepted'
complete -c hookauth -n '__hookauth_using "verify serve"' -l max-connections -x -d 'open connections at most'
complete -c hookauth -n '__hookauth_using "verify serve"' -l max-body -x -d 'the largest body accepted, in bytes'
complete -c hookauth -n '__hookauth_using "verify serve"' -l read-timeout -x -d 'seconds a request may take to arrive'
complete -c hookauth -n '__hookauth_using "verify serve"' -l tls-cert -r -F -d 'serve HTTPS with this PEM certificate chain'
complete -c hookauth -n '__hookauth_using "verify serve"' -l tls-key -r -F -d 'the PEM private key of --tls-cert'
complete -c hookauth -n '__hookauth_using "verify serve"' -l client-ca -r -F -d 'require a client certificate this PEM CA bundle verifies'
