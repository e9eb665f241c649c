#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% Generates the differential test between wirerig's framing and the real
%% erlang:decode_packet/3 (see README.md in this directory).
%%
%%   escript gen_cases.escript OUTDIR [SEED]
%%
%% writes OUTDIR/cases.jsonl (one `wirerig decode --batch` question per
%% line) and OUTDIR/expected.jsonl (what this Erlang answered, in the same
%% schema wirerig answers in). The cases are deterministic for a seed:
%% hand-picked edge cases per packet type, every truncation of them, option
%% boundaries, and random bytes with random options.
%%
%% OTP 25 has no json module, so the JSON writer is below.
-mode(compile).

-define(DEFAULT_SEED, 20240601).
-define(RANDOM_PER_TYPE, 1600).
-define(STREAMS_PER_TYPE, 30).

main([OutDir]) ->
    run(OutDir, ?DEFAULT_SEED);
main([OutDir, Seed]) ->
    run(OutDir, list_to_integer(Seed));
main(_) ->
    io:format(standard_error, "usage: gen_cases.escript OUTDIR [SEED]~n", []),
    halt(2).

run(OutDir, Seed) ->
    rand:seed(exsss, {Seed, Seed bxor 16#5bd1e995, 16#2545f491}),
    Cases = lists:append([lenprefix(), lenprefix_bounds(), sunrm(), asn1(),
                          cdr(), fcgi(), tpkt(), line(), http_requests(),
                          http_statuses(), http_headers(), http_long(), http_truncated(),
                          bad_options(), random_cases()]),
    {ok, In} = file:open(filename:join(OutDir, "cases.jsonl"),
                         [write, raw, binary, {delayed_write, 1 bsl 20, 1000}]),
    {ok, Ex} = file:open(filename:join(OutDir, "expected.jsonl"),
                         [write, raw, binary, {delayed_write, 1 bsl 20, 1000}]),
    lists:foreach(
      fun({Type, Opts, Bin}) ->
              ok = file:write(In, [input_json(Type, Opts, Bin), $\n]),
              ok = file:write(Ex, [result_json(decode(Type, Bin, Opts)), $\n])
      end, Cases),
    ok = file:close(In),
    ok = file:close(Ex),
    NStreams = write_streams(OutDir),
    {NTermStreams, NTerms} = write_term_streams(OutDir),
    io:format("generated ~b decode_packet cases, ~b streams and ~b HTTP "
              "streams with ~b printed terms with seed ~b (OTP ~s)~n",
              [length(Cases), NStreams, NTermStreams, NTerms, Seed,
               erlang:system_info(otp_release)]).

decode(Type, Bin, Opts) ->
    try erlang:decode_packet(Type, Bin, Opts)
    catch error:badarg -> badarg
    end.

%% ---- Helpers ------------------------------------------------------------

prefixes(B) -> [binary:part(B, 0, N) || N <- lists:seq(0, byte_size(B))].

rand_bytes(N) -> << <<(rand:uniform(256) - 1)>> || _ <- lists:seq(1, N) >>.

pick(L) -> lists:nth(rand:uniform(length(L)), L).

%% Body lengths L get packet_size L-1, L, L+1 and none.
size_opts(L) ->
    [[]] ++ [[{packet_size, P}] || P <- lists:usort([max(L - 1, 1), L, L + 1])].

%% ---- Header-based types --------------------------------------------------

lenprefix() ->
    [{T, O, B} || {T, H} <- [{1, 1}, {2, 2}, {4, 4}],
                  Body <- [<<>>, <<"a">>, <<"hello">>, rand_bytes(20)],
                  B <- prefixes(<<(byte_size(Body)):H/unit:8, Body/binary, "xy">>),
                  O <- size_opts(byte_size(Body))].

%% Header values at the packet_size and 2^31 boundaries, with no body.
lenprefix_bounds() ->
    Int = 16#7fffffff,
    Heads = [{1, 1, [0, 1, 127, 128, 254, 255]},
             {2, 2, [0, 1, 255, 256, 32767, 32768, 65534, 65535]},
             {4, 4, [0, 1, 65536, Int - 6, Int - 5, Int - 4, Int - 3, Int,
                     Int + 1, 16#fffffffe, 16#ffffffff]}],
    [{T, O, <<V:H/unit:8, Tail/binary>>}
     || {T, H, Vs} <- Heads, V <- Vs, Tail <- [<<>>, <<"abc">>],
        O <- [[], [{packet_size, V}], [{packet_size, max(V - 1, 1)}],
              [{packet_size, 16#ffffffff}], [{line_length, 3}]]].

sunrm() ->
    Int = 16#7fffffff,
    Vs = [0, 5, 16#80000000, 16#80000005, Int - 4, Int - 3, Int,
          16#fffffffb, 16#fffffffc, 16#ffffffff],
    [{sunrm, O, <<V:32>>} || V <- Vs, O <- [[], [{packet_size, 5}]]] ++
        [{sunrm, O, B} || H <- [5, 16#80000005],
                          B <- prefixes(<<H:32, "hello", "zz">>),
                          O <- size_opts(5)].

asn1() ->
    Tags = [<<16#30>>, <<16#02>>, <<16#1f, 16#81, 16#01>>, <<16#1f, 16#05>>,
            <<16#1f, 16#80, 16#80, 16#01>>, <<16#ff, 16#ff, 16#7f>>,
            <<16#3f, (binary:copy(<<16#ff>>, 9))/binary, 16#01>>],
    Lens = [<<0>>, <<5>>, <<127>>, <<16#80>>, <<16#81, 5>>, <<16#81, 200>>,
            <<16#82, 1, 0>>, <<16#83, 0, 0, 5>>, <<16#84, 0, 0, 0, 5>>,
            <<16#84, 16#7f, 16#ff, 16#ff, 16#fa>>,
            <<16#84, 16#7f, 16#ff, 16#ff, 16#f0>>,
            <<16#84, 16#ff, 16#ff, 16#ff, 16#ff>>, <<16#85, 0, 0, 0, 0, 5>>,
            <<16#ff>>],
    [{asn1, O, B} || T <- Tags, L <- Lens,
                     B <- prefixes(<<T/binary, L/binary, "hello", "zz">>),
                     O <- [[], [{packet_size, 4}], [{packet_size, 5}]]].

cdr() ->
    Frames = [<<Magic/binary, 1, 0, Flags, 0, Size/binary, "hello", "zz">>
              || Magic <- [<<"GIOP">>, <<"giop">>, <<"GIOX">>],
                 Flags <- [0, 1, 2, 3],
                 Size <- case Flags band 1 of
                             0 -> [<<5:32/big>>, <<16#7ffffff3:32/big>>,
                                   <<16#7ffffff4:32/big>>, <<16#ffffffff:32>>];
                             1 -> [<<5:32/little>>, <<16#7ffffff3:32/little>>,
                                   <<16#7ffffff4:32/little>>]
                         end],
    [{cdr, O, B} || F <- Frames, B <- prefixes(F), O <- size_opts(5)].

fcgi() ->
    Frames = [<<V, 5, 0, 1, Len:16, Pad, 0, "hello", "pad", "zz">>
              || V <- [1, 0, 2], {Len, Pad} <- [{5, 0}, {5, 3}, {0, 0},
                                                {65535, 255}]],
    [{fcgi, O, B} || F <- Frames, B <- prefixes(F),
                     O <- [[], [{packet_size, 4}], [{packet_size, 5}],
                           [{packet_size, 7}], [{packet_size, 8}]]].

tpkt() ->
    Frames = [<<V, 0, Len:16, "hello", "zz">>
              || V <- [3, 2, 0], Len <- [0, 1, 3, 4, 5, 9, 65535]],
    [{tpkt, O, B} || F <- Frames, B <- prefixes(F), O <- size_opts(5)].

%% ---- line -----------------------------------------------------------------

line() ->
    Inputs = [<<>>, <<"\n">>, <<"abc\n">>, <<"abc">>, <<"abc\ndef\n">>,
              <<"ab\r\n">>, <<"abcdef\n">>, <<"a,b,c">>, <<"\n\n">>,
              <<"1234\n">>, <<0, 1, 0, 255, 10>>,
              binary:copy(<<"x">>, 40)],
    Delims = [[], [{line_delimiter, $,}], [{line_delimiter, 0}],
              [{line_delimiter, $\r}], [{line_delimiter, 255}],
              [{line_delimiter, $\n}]],
    Lens = [[], [{line_length, 1}], [{line_length, 3}], [{line_length, 4}],
            [{line_length, 5}], [{line_length, 100}]],
    Sizes = [[], [{packet_size, 1}], [{packet_size, 3}], [{packet_size, 4}],
             [{packet_size, 5}], [{packet_size, 6}], [{packet_size, 100}]],
    [{line, D ++ L ++ S, B} || B <- Inputs, D <- Delims, L <- Lens, S <- Sizes] ++
        [{line, O, B} || B <- prefixes(<<"first line\r\nsecond\n">>),
                         O <- [[], [{line_length, 5}], [{packet_size, 11}]]].

%% ---- HTTP -----------------------------------------------------------------

methods() ->
    ["GET", "OPTIONS", "HEAD", "POST", "PUT", "DELETE", "TRACE", "get", "Get",
     "PATCH", "CONNECT", "M-SEARCH", "BREW", "G(T", "GET:", "G\x7fT",
     "G\x80T", "X"].

uris() ->
    ["/", "*", "**", "a", "/path?q=1&r=2#f", "/a%20b", "/\x80\xff",
     "http://h/x", "HTTP://H:80/x", "HtTpS://h:443", "https://h:443/",
     "http://h:0/", "http://h:08/", "http://h:99999/", "http://h:65535/",
     "http://h:2147483647/", "http://h:2147483648/", "http://h:4294967295/",
     "http://h:4294967296/", "http://h:4294967297/", "http://h:80a/",
     "http://h:a80/", "http://h:/", "http://h", "http://", "https://",
     "http://h:80", "http://h:80:90/x", "http://user@h:80/",
     "http://[::1]:4000/x", "http://[::1]/", "http://[::1]", "http:///x",
     "ftp://x/y", "host:443", "http:/x", "mailto:a@b", "x:", ":x", "::",
     "urn:a:b", "/x:y", "h\r", "/\r"].

versions() ->
    ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/01.001", "HTTP/1.1xyz",
     "HTTP/1.1 extra", "http/1.1", "HTTP/1", "HTTP/1.", "HTTP/.1", "FOO/1.1",
     "HTTP/2", "HTTP/2.0", "HTTP/99999999999.1", "HTTP/4294967297.65536",
     "HTTP/2147483648.2147483648", "HTTP/1.1 ", "HTTP/1.1\t", "HTTP/",
     "HTTP/1.x", ""].

terminators() -> ["\r\n", "\n", "\r\r\n", "", "\r"].

http_types() -> [http, http_bin].

%% A line plus options: none, and the limits around its length.
line_opts(Len) ->
    [[]] ++ [[{packet_size, P}] || P <- lists:usort([max(Len - 1, 1), Len])] ++
        [[{line_length, L}] || L <- lists:usort([max(Len - 1, 1), Len])].

http_requests() ->
    Lines = [M ++ " " ++ U ++ " HTTP/1.1" || M <- methods(), U <- ["/", "*", "http://h:8/x"]] ++
        ["GET " ++ U ++ " HTTP/1.1" || U <- uris()] ++
        ["HEAD " ++ U ++ " HTTP/1.0" || U <- uris()] ++
        ["GET " ++ U || U <- uris()] ++
        ["GET / " ++ V || V <- versions()] ++
        ["GET\t/\t" ++ V || V <- versions()] ++
        ["GET", "GET ", "GET  /  HTTP/1.1", " GET / HTTP/1.1", "\tGET /",
         "GET /", "GET / HTTP/1.1 trailing", "", " ", "\t", "/ HTTP/1.1",
         "GET\x00/ HTTP/1.1", "GET /a\x00b HTTP/1.1", "GET /a\tb HTTP/1.1"],
    [{T, O, list_to_binary([L, Term, Next])}
     || L <- Lines, Term <- terminators(), Next <- ["", "X"],
        T <- http_types(),
        O <- case Next of "" -> line_opts(length(L) + length(Term)); _ -> [[]] end].

http_statuses() ->
    Lines = ["HTTP/1.1 200 OK", "HTTP/1.1 200", "HTTP/1.1 200 ", "HTTP/1.1 ",
             "HTTP/1.1", "HTTP/1.1 OK", "HTTP/1.1 200OK", "HTTP/1.1 2147483647 OK",
             "HTTP/1.1 2147483648 OK", "HTTP/1.1 4294967295 X",
             "HTTP/1.1 4294967296 X", "HTTP/1.1 99999999999 X",
             "HTTP/1.1\t200\tOK", "HTTP/1.1 000 Zero", "HTTP/2 200 OK",
             "HTTP/1.1x 200 OK", "HTTP/01.001 200 OK", "HTTP/1.1  200  OK  ",
             "HTTP/ 200", "HTTP/1.1 -1 X", "HTTP/1.1 200 O\x80K\x7f",
             "HTTP/1.1 200 Multi Word Reason", "HTTP/1.1 200\tTab",
             "HTTP/1.1 200 a:b", "HTTP/1. 200 OK", "HTTP/.1 200 OK",
             "HTTP/1.1  ", "http/1.1 200 OK", "HTTP/1.1 20 0 OK",
             "HTTP/4294967296.1 200 OK", "HTTP/1.2147483648 200 OK"],
    [{T, O, list_to_binary([L, Term, Next])}
     || L <- Lines, Term <- terminators(), Next <- ["", "X"],
        T <- http_types(),
        O <- case Next of "" -> line_opts(length(L) + length(Term)); _ -> [[]] end].

known_headers() ->
    ["Cache-Control", "Connection", "Date", "Pragma", "Transfer-Encoding",
     "Upgrade", "Via", "Accept", "Accept-Charset", "Accept-Encoding",
     "Accept-Language", "Authorization", "From", "Host", "If-Modified-Since",
     "If-Match", "If-None-Match", "If-Range", "If-Unmodified-Since",
     "Max-Forwards", "Proxy-Authorization", "Range", "Referer", "User-Agent",
     "Age", "Location", "Proxy-Authenticate", "Public", "Retry-After",
     "Server", "Vary", "Warning", "Www-Authenticate", "Allow", "Content-Base",
     "Content-Encoding", "Content-Language", "Content-Length",
     "Content-Location", "Content-Md5", "Content-Range", "Content-Type",
     "Etag", "Expires", "Last-Modified", "Accept-Ranges", "Set-Cookie",
     "Set-Cookie2", "X-Forwarded-For", "Cookie", "Keep-Alive",
     "Proxy-Connection"].

header_names() ->
    Known = known_headers(),
    Known ++ [string:lowercase(N) || N <- Known] ++ [string:uppercase(N) || N <- Known] ++
        ["x-custom-HEADER", "a--b_c.d", "-a", "--a", "a-", "A-B-C", "-", "--",
         "ETag", "WWW-Authenticate", "Content-MD5", "Sec-WebSocket-Key",
         "X-Forwarded-For2", "Hos", "Hostt", "hOST", "1", "a.b", "a_b", "~",
         "!#$%&'*+-.^_`|~",
         lists:duplicate(50, $a), lists:duplicate(51, $a),
         lists:duplicate(49, $b) ++ "-c", "x-" ++ lists:duplicate(48, $Y),
         "x-" ++ lists:duplicate(49, $Y), "content-length" ++ lists:duplicate(40, $-),
         lists:duplicate(60, $z),
         "A\x7fB", "\x7f", "x\x80", "\xff", "H(st", "H)st", "H<", "H>", "H@",
         "H,", "H;", "H\\", "H\"", "H/", "H[", "H]", "H?", "H=", "H{", "H}",
         "", " Host", "Host ", "Ho st", "\tHost"].

header_lines() ->
    Names = header_names(),
    [N ++ ": x" || N <- Names] ++
        ["Host", "Host:", "Host:v", "Host:   v  ", "Host:\tv", "Host: a:b",
         "Host: v\x00x", "Host: v\r", "Host: \x7f\x80\xff", "Host :v",
         ": v", ":", "Host: a\r\n b", "Host: a\r\n\tb\r\n c",
         "X-A: a\r\n b\r\n", "Host: v\r\r", "a\n", "\r", "Host: \r\n x"].

http_headers() ->
    [{T, O, list_to_binary([L, Term, Next])}
     || L <- header_lines(), Term <- ["\r\n", "\n", ""],
        Next <- ["", "X", " ", "\t", "\r\n"],
        T <- [httph, httph_bin],
        O <- case Next of
                 "X" -> line_opts(length(L) + length(Term));
                 _ -> [[]]
             end] ++
        %% Empty lines end the headers; state REQ sees them as errors.
        [{T, O, list_to_binary(B)}
         || B <- ["\r\n", "\n", "\r\nX", "\nX", "\r\n\r\n", " \r\n", "\r\r\n"],
            T <- [httph, httph_bin, http, http_bin],
            O <- [[], [{packet_size, 1}], [{line_length, 1}],
                  [{packet_size, 2}]]].

%% Long methods, URIs, reasons, names and values: nothing in OTP's parser
%% limits them except the line limit, so neither may wirerig.
http_long() ->
    Long = fun(N, C) -> lists:duplicate(N, C) end,
    Reqs = [Long(300, $M) ++ " / HTTP/1.1", "GET /" ++ Long(3000, $p) ++ " HTTP/1.1",
            "GET http://" ++ Long(500, $h) ++ ":" ++ Long(40, $9) ++ "/x HTTP/1.1",
            "GET http://h:" ++ Long(30, $0) ++ "80/ HTTP/1.1",
            "GET / HTTP/" ++ Long(40, $1) ++ "." ++ Long(40, $0) ++ "1",
            "HTTP/1.1 200 " ++ Long(2000, $r)],
    Hdrs = [Long(300, $n) ++ ": v", "x-" ++ Long(298, $N) ++ ": v",
            "Host: " ++ Long(5000, $v), "Host:" ++ Long(100, $\s) ++ "v"],
    [{T, O, list_to_binary([L, "\r\n", Next])}
     || {Ls, Ts, Next} <- [{Reqs, [http, http_bin], ""}, {Hdrs, [httph, httph_bin], "X"}],
        L <- Ls, T <- Ts,
        O <- [[], [{packet_size, length(L) + 1}], [{packet_size, length(L) + 2}],
              [{line_length, length(L) + 2}]]].

%% Every truncation of a few complete exchanges, in each HTTP type.
http_truncated() ->
    Msgs = [<<"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n">>,
            <<"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n">>,
            <<"POST http://h:8080/p?q HTTP/1.1\r\n">>,
            <<"X-Long-Header-Name: a\r\n b\r\n\tc\r\nNext: y\r\n">>,
            <<"content-type: text/html\r\n\r\n">>],
    [{T, O, B} || M <- Msgs, B <- prefixes(M),
                  T <- [http, httph, http_bin, httph_bin],
                  O <- [[], [{packet_size, 20}], [{line_length, 20}]]].

%% ---- Invalid arguments: decode_packet raises badarg -----------------------

bad_options() ->
    Types = [raw, 0, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, http, httph,
             http_bin, httph_bin],
    [{T, [{line_delimiter, $,}], <<0, 3, "a,b,c\n">>} || T <- Types] ++
        [{T, [{packet_size, 16#100000000}], <<0, 1, "a\n">>} || T <- [line | Types]] ++
        [{T, [{line_length, 16#100000000}], <<0, 1, "a\n">>} || T <- [line | Types]] ++
        [{line, [{line_delimiter, 256}], <<"a\n">>},
         {line, [{line_delimiter, 16#ffffffff}], <<"a\n">>},
         {line, [{packet_size, 16#ffffffff}, {line_length, 16#ffffffff},
                 {line_delimiter, 255}], <<"a\n", 255>>}].

%% ---- Random -----------------------------------------------------------------

random_cases() ->
    Types = [raw, 0, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, line, http, httph,
             http_bin, httph_bin],
    %% WIRERIG_DIFF_RANDOM=N raises the count for a longer hunt.
    N = case os:getenv("WIRERIG_DIFF_RANDOM") of
            false -> ?RANDOM_PER_TYPE;
            S -> list_to_integer(S)
        end,
    [random_case(T) || T <- Types, _ <- lists:seq(1, N)].

random_case(T) ->
    B = random_input(T),
    {T, random_opts(T, byte_size(B)), B}.

random_opts(T, Len) ->
    Limit = fun() -> pick([0, 1, 2, 3, 4, 5, 8, 16, rand:uniform(Len + 8),
                           rand:uniform(Len + 8), 16#ffffffff]) end,
    PS = case rand:uniform(3) of 1 -> [{packet_size, Limit()}]; _ -> [] end,
    LL = case rand:uniform(3) of 1 -> [{line_length, Limit()}]; _ -> [] end,
    LD = case T =:= line andalso rand:uniform(2) =:= 1 of
             true -> [{line_delimiter, pick([0, $\r, $,, $a, 255, $\n])}];
             false -> []
         end,
    PS ++ LL ++ LD.

random_input(T) when T =:= http; T =:= http_bin; T =:= httph; T =:= httph_bin ->
    Tokens = ["GET", "get", "PATCH", "HTTP/", "1", "0", "9", "2147483648",
              ".", " ", " ", "\t", "\r", "\n", "\r\n", "\r\n", ":", ": ", "/",
              "h", "http://", "https://", "*", "Host", "host", "Content-Length",
              "X-Y", "\x7f", "\x80", "\xff", "\x00", "-", "a", "A", "[", "]",
              "?", "@", "(", ";"],
    list_to_binary([pick(Tokens) || _ <- lists:seq(1, rand:uniform(14) - 1)]);
random_input(line) ->
    list_to_binary([pick("ab\n\n,\r\0\xffa") || _ <- lists:seq(1, rand:uniform(16) - 1)]);
random_input(T) ->
    %% Mostly a plausible header (so lengths are small enough to complete)
    %% followed by random bytes, sometimes pure noise.
    Head = case rand:uniform(4) of
               1 -> <<>>;
               _ -> plausible_header(T)
           end,
    Tail = << <<(pick([0, 0, 1, 2, 3, 5, 16#30, 16#80, 16#ff,
                       rand:uniform(256) - 1]))>>
              || _ <- lists:seq(1, rand:uniform(24) - 1) >>,
    <<Head/binary, Tail/binary>>.

small() -> pick([0, 1, 2, 3, 5, 8, 16, rand:uniform(30)]).

plausible_header(1) -> <<(small())>>;
plausible_header(2) -> <<(small()):16>>;
plausible_header(4) -> <<(small()):32>>;
plausible_header(sunrm) -> <<(pick([0, 16#80000000]) + small()):32>>;
plausible_header(asn1) ->
    Tag = pick([<<16#30>>, <<16#1f, 16#81, 16#01>>, <<16#1f>>, <<2>>]),
    Len = pick([<<(small())>>, <<16#81, (small())>>, <<16#82, 0, (small())>>,
                <<16#80>>, <<(16#80 + rand:uniform(6) - 1)>>]),
    <<Tag/binary, Len/binary>>;
plausible_header(cdr) ->
    F = rand:uniform(4) - 1,
    Size = case F band 1 of 0 -> <<(small()):32/big>>; 1 -> <<(small()):32/little>> end,
    <<(pick([<<"GIOP">>, <<"GIOP">>, <<"GIOp">>]))/binary, 1, 2, F, 0, Size/binary>>;
plausible_header(fcgi) ->
    <<(pick([1, 1, 1, 0, 2])), 1, 0, 1, (small()):16, (small()), 0>>;
plausible_header(tpkt) ->
    <<(pick([3, 3, 3, 2])), 0, (pick([0, 3, 4, 5, 6, 4 + small()])):16>>;
plausible_header(_) -> <<>>.

%% ---- Streams ----------------------------------------------------------------
%%
%% `wirerig decode --json` on a whole stream, against decode_packet/3 called
%% again and again on the rest, the way a socket would: for http/http_bin the
%% request/status line is parsed with http*, then the headers with httph*
%% until http_eoh. Written as OUTDIR/streams/sN.bin, OUTDIR/streams.txt
%% ("sN.bin --packet T [options]" per line), OUTDIR/stream_cases.jsonl and
%% OUTDIR/stream_expected.jsonl (one JSON array of answer objects per stream).

write_streams(OutDir) ->
    Dir = filename:join(OutDir, "streams"),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Types = [raw, 0, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, line, http, httph,
             http_bin, httph_bin],
    Streams = [stream(T) || T <- Types, _ <- lists:seq(1, ?STREAMS_PER_TYPE)],
    Numbered = lists:zip(lists:seq(1, length(Streams)), Streams),
    Args = [[stream_file(N), " --packet ", type_name(T),
             [[" --", opt_flag(K), " ", integer_to_list(V)] || {K, V} <- O], "\n"]
            || {N, {T, O, _}} <- Numbered],
    ok = file:write_file(filename:join(OutDir, "streams.txt"), Args),
    ok = file:write_file(filename:join(OutDir, "stream_cases.jsonl"),
                         [[input_json(T, O, B), "\n"] || {_, {T, O, B}} <- Numbered]),
    ok = file:write_file(filename:join(OutDir, "stream_expected.jsonl"),
                         [["[", lists:join(",", stream_expect(T, O, B)), "]\n"]
                          || {_, {T, O, B}} <- Numbered]),
    lists:foreach(fun({N, {_, _, B}}) ->
                          ok = file:write_file(filename:join(Dir, stream_file(N)), B)
                  end, Numbered),
    length(Streams).

stream_file(N) -> ["s", integer_to_list(N), ".bin"].

opt_flag(packet_size) -> "packet-size";
opt_flag(line_length) -> "line-length";
opt_flag(line_delimiter) -> "line-delimiter".

stream(T) ->
    Frames = [stream_frame(T) || _ <- lists:seq(1, rand:uniform(7) - 1)],
    Whole = iolist_to_binary(Frames),
    %% Often cut short or followed by noise, to end in "more" or "error".
    B = case rand:uniform(4) of
            1 -> binary:part(Whole, 0, rand:uniform(byte_size(Whole) + 1) - 1);
            2 -> <<Whole/binary, (random_input(T))/binary>>;
            _ -> Whole
        end,
    Opts = case rand:uniform(3) of
               1 -> random_opts(T, 40);
               _ -> []
           end,
    {T, Opts, B}.

stream_frame(T) when T =:= raw; T =:= 0 -> rand_bytes(rand:uniform(10));
stream_frame(T) when T =:= 1; T =:= 2; T =:= 4 ->
    Body = rand_bytes(rand:uniform(12) - 1),
    <<(byte_size(Body)):T/unit:8, Body/binary>>;
stream_frame(sunrm) ->
    Body = rand_bytes(rand:uniform(12) - 1),
    <<(pick([0, 16#80000000]) + byte_size(Body)):32, Body/binary>>;
stream_frame(asn1) ->
    Body = rand_bytes(rand:uniform(12) - 1),
    Len = byte_size(Body),
    pick([<<16#04, Len, Body/binary>>, <<16#30, 16#81, Len, Body/binary>>,
          <<16#1f, 16#81, 16#01, 16#82, 0, Len, Body/binary>>,
          <<16#30, 16#80>>, <<0, 0>>]);
stream_frame(cdr) ->
    Body = rand_bytes(rand:uniform(12) - 1),
    Len = byte_size(Body),
    pick([<<"GIOP", 1, 2, 0, 0, Len:32/big, Body/binary>>,
          <<"GIOP", 1, 2, 1, 0, Len:32/little, Body/binary>>]);
stream_frame(fcgi) ->
    Body = rand_bytes(rand:uniform(12) - 1),
    Pad = rand:uniform(8) - 1,
    <<1, 5, 0, 1, (byte_size(Body)):16, Pad, 0, Body/binary,
      (binary:copy(<<0>>, Pad))/binary>>;
stream_frame(tpkt) ->
    Body = rand_bytes(rand:uniform(12) - 1),
    <<3, 0, (byte_size(Body) + 4):16, Body/binary>>;
stream_frame(line) ->
    <<(list_to_binary([pick("abc,\r\0") || _ <- lists:seq(1, rand:uniform(8) - 1)]))/binary,
      (pick([$\n, $\n, $,, 0]))>>;
stream_frame(T) when T =:= httph; T =:= httph_bin ->
    list_to_binary(http_header_line());
stream_frame(_) ->
    Start = pick(["GET / HTTP/1.1\r\n", "POST http://h:81/p HTTP/1.0\r\n",
                  "HTTP/1.1 200 OK\r\n", "PATCH * HTTP/1.1\n",
                  "BODY-NOT-A-REQUEST\r\n", "\r\n"]),
    Headers = [http_header_line() || _ <- lists:seq(1, rand:uniform(4) - 1)],
    list_to_binary([Start, Headers, pick(["\r\n", "\r\n", "\n", ""])]).

http_header_line() ->
    pick(["Host: example.com\r\n", "content-length: 5\r\n",
          "X-Folded: a\r\n b\r\n", "Bad Header\r\n", "x-custom-HEADER: v\n",
          ": empty\r\n", "Set-Cookie: a=b; c\r\n", "\r\n"]).

stream_expect(T, Opts, B) -> stream_loop(T, req, Opts, B, 0, 0, []).

%% The type decode_packet uses in the current HTTP state.
state_type(http, req) -> http;
state_type(http, hdr) -> httph;
state_type(http_bin, req) -> http_bin;
state_type(http_bin, hdr) -> httph_bin;
state_type(T, _) -> T.

next_state(T, _, {http_request, _, _, _}) when T =:= http; T =:= http_bin -> hdr;
next_state(T, _, {http_response, _, _, _}) when T =:= http; T =:= http_bin -> hdr;
next_state(T, _, http_eoh) when T =:= http; T =:= http_bin -> req;
next_state(_, St, _) -> St.

stream_loop(_, _, _, <<>>, Off, Count, Acc) ->
    lists:reverse([["{\"result\":\"complete\",\"offset\":", integer_to_list(Off),
                    ",\"packets\":", integer_to_list(Count), "}"] | Acc]);
stream_loop(T, St, Opts, B, Off, Count, Acc) ->
    O = ["\"offset\":", integer_to_list(Off)],
    case erlang:decode_packet(state_type(T, St), B, Opts) of
        {ok, P, Rest} ->
            Obj = ["{\"result\":\"ok\",", O, ",\"packet\":", packet_json(P), "}"],
            stream_loop(T, next_state(T, St, P), Opts, Rest,
                        Off + byte_size(B) - byte_size(Rest), Count + 1, [Obj | Acc]);
        {more, undefined} ->
            lists:reverse([["{\"result\":\"more\",", O,
                            ",\"length\":null,\"missing\":null}"] | Acc]);
        {more, N} ->
            lists:reverse([["{\"result\":\"more\",", O, ",\"length\":",
                            integer_to_list(N), ",\"missing\":",
                            integer_to_list(N - byte_size(B)), "}"] | Acc]);
        {error, R} ->
            lists:reverse([["{\"result\":\"error\",", O, ",\"reason\":\"",
                            atom_to_list(R), "\"}"] | Acc])
    end.

%% ---- HTTP terms as Erlang prints them -------------------------------------
%%
%% `wirerig decode --packet T` (text) prints each HTTP packet as the Erlang
%% term: strings as lists for http/httph, binaries for http_bin/httph_bin.
%% HTTP streams of printable ASCII lines (the escapes of other bytes are
%% wirerig's own, \xHH) are walked as a socket would, and each packet is
%% printed with io_lib:print on one line. Written as OUTDIR/terms/tN.bin,
%% OUTDIR/term_streams.txt ("tN.bin --packet T" per line) and
%% OUTDIR/term_expected.txt ("tN.bin TERM" per packet).

-define(TERM_STREAMS_PER_TYPE, 150).

printable_line(L) ->
    lists:all(fun(C) -> (C >= 16#20 andalso C =< 16#7e) orelse C =:= $\t end, L).

term_start_lines() ->
    Reqs = [M ++ " " ++ U ++ " HTTP/1.1" || M <- methods(), U <- ["/", "*", "http://h:8/x"]] ++
        ["GET " ++ U ++ " HTTP/1.1" || U <- uris()] ++
        ["GET " ++ U || U <- uris()] ++
        ["GET / " ++ V || V <- versions()],
    Statuses = ["HTTP/1.1 200 OK", "HTTP/1.1 200", "HTTP/1.1 200 ",
                "HTTP/1.1 404 Not Found", "HTTP/1.0 301 Moved  Permanently",
                "HTTP/1.1 2147483648 OK", "HTTP/2 200 OK", "HTTP/1.1 OK",
                "HTTP/1.1 200 a:b", "HTTP/1.1\t200\tOK"],
    [L || L <- Reqs ++ Statuses ++ ["Host: x", "", "BODY"], printable_line(L)].

term_header_lines() ->
    [L || L <- header_lines(), printable_line(L)] ++ ["Host:", "X-Empty: ", "Host:v"].

term_stream(T) when T =:= httph; T =:= httph_bin ->
    Hs = [[pick(term_header_lines()), pick(["\r\n", "\n"])]
          || _ <- lists:seq(1, rand:uniform(6))],
    list_to_binary([Hs, "\r\n"]);
term_stream(_) ->
    Msgs = [[pick(term_start_lines()), "\r\n",
             [[pick(term_header_lines()), "\r\n"] || _ <- lists:seq(1, rand:uniform(5) - 1)],
             "\r\n"]
            || _ <- lists:seq(1, rand:uniform(2))],
    list_to_binary(Msgs).

term_loop(T, St, B, Acc) ->
    case catch erlang:decode_packet(state_type(T, St), B, []) of
        {ok, P, Rest} when Rest =/= B ->
            term_loop(T, next_state(T, St, P), Rest,
                      [lists:flatten(io_lib:print(P, 1, 1000000, -1)) | Acc]);
        _ -> lists:reverse(Acc)
    end.

write_term_streams(OutDir) ->
    Dir = filename:join(OutDir, "terms"),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Streams = [{T, term_stream(T)} || T <- [http, httph, http_bin, httph_bin],
                                      _ <- lists:seq(1, ?TERM_STREAMS_PER_TYPE)],
    Numbered = lists:zip(lists:seq(1, length(Streams)), Streams),
    Name = fun(N) -> ["t", integer_to_list(N), ".bin"] end,
    ok = file:write_file(filename:join(OutDir, "term_streams.txt"),
                         [[Name(N), " --packet ", type_name(T), "\n"]
                          || {N, {T, _}} <- Numbered]),
    Terms = [[[Name(N), " ", Term, "\n"] || Term <- term_loop(T, req, B, [])]
             || {N, {T, B}} <- Numbered],
    ok = file:write_file(filename:join(OutDir, "term_expected.txt"), Terms),
    lists:foreach(fun({N, {_, B}}) ->
                          ok = file:write_file(filename:join(Dir, Name(N)), B)
                  end, Numbered),
    {length(Streams), length(lists:append(Terms))}.

%% ---- JSON -------------------------------------------------------------------

type_name(T) when is_integer(T) -> integer_to_list(T);
type_name(T) -> atom_to_list(T).

input_json(Type, Opts, Bin) ->
    ["{\"packet\":\"", type_name(Type), "\"",
     [[",\"", atom_to_list(K), "\":", integer_to_list(V)] || {K, V} <- Opts],
     ",\"input\":", bstr(Bin), "}"].

result_json(badarg) ->
    "{\"result\":\"bad_input\"}";
result_json({ok, Packet, Rest}) ->
    ["{\"result\":\"ok\",\"packet\":", packet_json(Packet), ",\"rest\":",
     bstr(Rest), "}"];
result_json({more, undefined}) ->
    "{\"result\":\"more\",\"length\":null}";
result_json({more, N}) ->
    ["{\"result\":\"more\",\"length\":", integer_to_list(N), "}"];
result_json({error, Reason}) ->
    ["{\"result\":\"error\",\"reason\":\"", atom_to_list(Reason), "\"}"].

packet_json(B) when is_binary(B) -> bstr(B);
packet_json(http_eoh) -> "{\"type\":\"http_eoh\"}";
packet_json({http_request, Method, Uri, {Maj, Min}}) ->
    ["{\"type\":\"http_request\",\"method\":", name(Method),
     ",\"method_known\":", atom_to_list(is_atom(Method)),
     ",\"uri\":", uri_json(Uri), ",\"version\":", version(Maj, Min), "}"];
packet_json({http_response, {Maj, Min}, Status, Reason}) ->
    ["{\"type\":\"http_response\",\"version\":", version(Maj, Min),
     ",\"status\":", integer_to_list(Status), ",\"reason\":", bstr(Reason), "}"];
packet_json({http_header, Index, Field, Raw, Value}) ->
    ["{\"type\":\"http_header\",\"index\":", integer_to_list(Index),
     ",\"field\":", name(Field), ",\"field_known\":", atom_to_list(is_atom(Field)),
     ",\"raw_field\":", bstr(Raw), ",\"value\":", bstr(Value), "}"];
packet_json({http_error, Line}) ->
    ["{\"type\":\"http_error\",\"line\":", bstr(Line), "}"].

uri_json('*') -> "{\"type\":\"*\"}";
uri_json({abs_path, P}) -> ["{\"type\":\"abs_path\",\"path\":", bstr(P), "}"];
uri_json({absoluteURI, Scheme, Host, Port, Path}) ->
    ["{\"type\":\"absoluteURI\",\"scheme\":\"", atom_to_list(Scheme),
     "\",\"host\":", bstr(Host), ",\"port\":",
     case Port of undefined -> "null"; _ -> integer_to_list(Port) end,
     ",\"path\":", bstr(Path), "}"];
uri_json({scheme, S, R}) ->
    ["{\"type\":\"scheme\",\"scheme\":", bstr(S), ",\"rest\":", bstr(R), "}"];
uri_json(S) -> ["{\"type\":\"string\",\"value\":", bstr(S), "}"].

version(Maj, Min) -> ["[", integer_to_list(Maj), ",", integer_to_list(Min), "]"].

%% An atom (known method or header) or a string.
name(A) when is_atom(A) -> bstr(atom_to_list(A));
name(S) -> bstr(S).

%% A byte string: every byte is the code point of the same value.
bstr(L) when is_list(L) -> bstr(list_to_binary(L));
bstr(B) -> [$", [esc(C) || <<C>> <= B], $"].

esc($") -> "\\\"";
esc($\\) -> "\\\\";
esc(C) when C < 16#20; C >= 16#7f -> io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.
