#!/usr/bin/env escript
%% Differential check of split_<type> fuzz inputs against real Erlang: for
%% every input, the stream (after the option bytes, as fuzz/split.c reads
%% them) is cut by erlang:decode_packet/3 called again and again, and by
%% `wirerig decode` with the same options; the packets (offsets, bytes,
%% HTTP terms) and the end (more N / more undefined / invalid, at an
%% offset) must agree. Catches what the in-process oracles cannot: a rule
%% that docs/semantics.md, the library and fuzz/ref_*.c all have wrong the
%% same way. A development tool, not part of ctest (it needs one fork per
%% input).
%%
%% Usage: fuzz/erl_diff.escript WIRERIG TYPE FILE_OR_DIR...
%%   e.g. fuzz/erl_diff.escript build/wirerig http fuzz/corpus/split_http
%% Exits 1 when any input differs, printing each difference.
-mode(compile).

main([Wirerig, TypeName | Paths]) when Paths =/= [] ->
    Files = lists:append([files(P) || P <- Paths]),
    Tmp = "/tmp/wirerig-erl-diff-" ++ os:getpid(),
    Bad = [F || F <- Files, not check(Wirerig, TypeName, F, Tmp)],
    file:delete(Tmp),
    io:format("erl_diff ~s: ~b inputs, ~b differ from Erlang ~s~n",
              [TypeName, length(Files), length(Bad),
               erlang:system_info(otp_release)]),
    halt(case Bad of [] -> 0; _ -> 1 end);
main(_) ->
    io:format(standard_error,
              "usage: erl_diff.escript WIRERIG TYPE FILE_OR_DIR...~n", []),
    halt(2).

files(Path) ->
    case filelib:is_dir(Path) of
        true ->
            {ok, Names} = file:list_dir(Path),
            [filename:join(Path, N) || N <- lists:sort(Names), hd(N) =/= $.];
        false -> [Path]
    end.

check(Wirerig, TypeName, File, Tmp) ->
    case file:read_file(File) of
        {ok, Bin} -> check(Wirerig, TypeName, File, Tmp, Bin);
        {error, _} -> true % removed meanwhile (a running fuzzer reduces)
    end.

check(Wirerig, TypeName, File, Tmp, Bin) ->
    <<PsCode, TlCode, DelimCode, K, Rest0/binary>> = pad(Bin),
    Stream = skip(Rest0, K band 15),
    Type = packet_type(TypeName),
    Ps = limit(PsCode),
    Tl = limit(TlCode),
    Delim = DelimCode bxor $\n,
    Opts = [{packet_size, Ps}, {line_length, Tl}] ++
        case Type of line -> [{line_delimiter, Delim}]; _ -> [] end,
    Erl = erl_cut(Type, Stream, Opts, 0, next_fun(Type), []),
    ok = file:write_file(Tmp, Stream),
    Cmd = io_lib:format("~s decode --packet ~s --packet-size ~b --line-length ~b~s ~s",
                        [Wirerig, TypeName, Ps, Tl,
                         case Type of
                             line -> io_lib:format(" --line-delimiter ~b", [Delim]);
                             _ -> ""
                         end, Tmp]),
    C = c_cut(os:cmd(lists:flatten(Cmd))),
    case Erl =:= C of
        true -> true;
        false ->
            io:format("~s: ~s~n  stream ~p~n  erlang:  ~p~n  wirerig: ~p~n",
                      [File, Cmd, Stream, Erl, C]),
            false
    end.

%% {Packets, End}: Packets = [{Offset, Packet}]; End = {more, Off, N | undefined} or
%% {invalid, Off}.
erl_cut(Type, Bin, Opts, Off, Next, Acc) ->
    case erlang:decode_packet(Type, Bin, Opts) of
        {ok, Packet, Rest} when byte_size(Rest) < byte_size(Bin) ->
            Used = byte_size(Bin) - byte_size(Rest),
            erl_cut(Next(Type, Packet), Rest, Opts, Off + Used, Next,
                    [{Off, kind(Packet)} | Acc]);
        {more, N} -> {lists:reverse(Acc), {more, Off, N}};
        {error, _} -> {lists:reverse(Acc), {invalid, Off}}
    end.

%% Packets compared as terms with binaries turned into lists, since
%% `wirerig decode` shows both as "..." (docs/cli.md).
kind(P) when is_binary(P) -> binary_to_list(P);
kind(P) when is_tuple(P) -> list_to_tuple([kind(E) || E <- tuple_to_list(P)]);
kind(P) -> P.

c_cut(Output) ->
    Lines = string:split(string:trim(Output, trailing), "\n", all),
    c_lines(Lines, []).

c_lines([L | Ls], Acc) ->
    case re:run(L, "^packet [0-9]+ at offset ([0-9]+)( \\([0-9]+ bytes?\\))?: (.*)$",
                [{capture, all_but_first, list}]) of
        {match, [Off, _Bytes, Term]} ->
            Kind = parse_term(Term),
            c_lines(Ls, [{list_to_integer(Off), Kind} | Acc]);
        nomatch -> {lists:reverse(Acc), c_end(L)}
    end;
c_lines([], Acc) -> {lists:reverse(Acc), none}.

%% The packet as `wirerig decode` prints it: an Erlang term, or for bytes
%% an Erlang string literal.
parse_term(T) ->
    case erl_scan:string(T ++ ".") of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, Term} -> Term;
                _ -> {unparsed, T}
            end;
        _ -> {unparsed, T}
    end.

c_end(L) ->
    Int = fun(S) -> list_to_integer(S) end,
    case re:run(L, "^end: complete at offset ([0-9]+)", [{capture, all_but_first, list}]) of
        {match, [O]} -> {more, Int(O), undefined};
        nomatch ->
            case re:run(L, "^end: need [0-9]+ more bytes?: the packet at offset ([0-9]+) is ([0-9]+) bytes?",
                        [{capture, all_but_first, list}]) of
                {match, [O, T]} -> {more, Int(O), Int(T)};
                nomatch ->
                    case re:run(L, "^end: need more bytes, length unknown: [0-9]+ bytes? present at offset ([0-9]+)",
                                [{capture, all_but_first, list}]) of
                        {match, [O]} -> {more, Int(O), undefined};
                        nomatch ->
                            case re:run(L, "^error at offset ([0-9]+)",
                                        [{capture, all_but_first, list}]) of
                                {match, [O]} -> {invalid, Int(O)};
                                nomatch -> {unparsed, L}
                            end
                    end
            end
    end.

pad(Bin) when byte_size(Bin) >= 4 -> Bin;
pad(Bin) -> pad(<<Bin/binary, 0>>).

skip(Bin, N) when byte_size(Bin) =< N -> <<>>;
skip(Bin, N) -> binary:part(Bin, N, byte_size(Bin) - N).

packet_type("raw") -> raw;
packet_type("1") -> 1;
packet_type("2") -> 2;
packet_type("4") -> 4;
packet_type(Name) -> list_to_atom(Name).

%% fz_limit in fuzz/fuzz_util.c.
limit(C) when C < 128 -> C;
limit(C) when C < 192 -> 128 + (C - 128) * 24;
limit(C) ->
    Edges = {1459, 1460, 1461, 65535, 65536, 65537, 1 bsl 20, 16#7ffffff0,
             16#7ffffffa, 16#7ffffffb, 16#7ffffffc, 16#7ffffffe, 16#7fffffff,
             16#80000000, 16#fffffffe, 16#ffffffff},
    element((C - 192) rem 16 + 1, Edges).

%% The HTTP state as a socket carries it; httph types stay in headers.
next_fun(httph) -> fun(T, _) -> T end;
next_fun(httph_bin) -> fun(T, _) -> T end;
next_fun(_) -> fun next_type/2.

next_type(http, {http_request, _, _, _}) -> httph;
next_type(http, {http_response, _, _, _}) -> httph;
next_type(httph, http_eoh) -> http;
next_type(http_bin, {http_request, _, _, _}) -> httph_bin;
next_type(http_bin, {http_response, _, _, _}) -> httph_bin;
next_type(httph_bin, http_eoh) -> http_bin;
next_type(Type, _) -> Type.
