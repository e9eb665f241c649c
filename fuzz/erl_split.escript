#!/usr/bin/env escript
%% What real Erlang says about a split_<type> fuzz input: reads the option
%% bytes the way fuzz/split.c does (fz_limit, fz_delimiter; the chunk sizes
%% are skipped, decode_packet has no notion of segmentation) and calls
%% erlang:decode_packet/3 again and again on the rest, printing each answer.
%% The http types carry the request-line/header state from packet to packet
%% as a socket does (http -> httph after a request or response line, back
%% after http_eoh); httph and httph_bin stay in the header state.
%%
%% Usage: fuzz/erl_split.escript TYPE FILE
%%   TYPE: raw 1 2 4 asn1 sunrm cdr fcgi tpkt line http httph http_bin httph_bin
%%   e.g.  fuzz/erl_split.escript http fuzz/corpus/split_http/seed-request
-mode(compile).

main([TypeName, File]) ->
    {ok, Bin} = file:read_file(File),
    <<PsCode, TlCode, DelimCode, K, Rest0/binary>> = pad(Bin),
    Nchunks = K band 15,
    Stream = skip(Rest0, Nchunks),
    Type = packet_type(TypeName),
    Ps = limit(PsCode),
    Tl = limit(TlCode),
    Opts = [{packet_size, Ps}, {line_length, Tl}] ++
        case Type of line -> [{line_delimiter, DelimCode bxor $\n}]; _ -> [] end,
    io:format("decode_packet(~p, ~p bytes, ~p)~n", [Type, byte_size(Stream), Opts]),
    %% httph types parse every line as a header line, as split.c does.
    Next = case Type of
               httph -> fun(T, _) -> T end;
               httph_bin -> fun(T, _) -> T end;
               _ -> fun next_type/2
           end,
    loop(Type, Stream, Opts, 0, Next);
main(_) ->
    io:format(standard_error, "usage: erl_split.escript TYPE FILE~n", []),
    halt(2).

%% Short inputs mean "options at their defaults", as fz_u8 returns 0.
pad(Bin) when byte_size(Bin) >= 4 -> Bin;
pad(Bin) -> pad(<<Bin/binary, 0>>).

skip(Bin, N) when byte_size(Bin) =< N -> <<>>;
skip(Bin, N) -> binary:part(Bin, N, byte_size(Bin) - N).

packet_type("raw") -> raw;
packet_type("1") -> 1;
packet_type("2") -> 2;
packet_type("4") -> 4;
packet_type(Name) -> list_to_atom(Name).

limit(C) when C < 128 -> C;
limit(C) when C < 192 -> 128 + (C - 128) * 24;
limit(C) ->
    Edges = {1459, 1460, 1461, 65535, 65536, 65537, 1 bsl 20, 16#7ffffff0,
             16#7ffffffa, 16#7ffffffb, 16#7ffffffc, 16#7ffffffe, 16#7fffffff,
             16#80000000, 16#fffffffe, 16#ffffffff},
    element((C - 192) rem 16 + 1, Edges).

loop(Type, Bin, Opts, Off, Next) ->
    case catch erlang:decode_packet(Type, Bin, Opts) of
        {ok, Packet, Rest} ->
            Used = byte_size(Bin) - byte_size(Rest),
            io:format("at ~p: ok, consumed ~p: ~p~n", [Off, Used, Packet]),
            case Used of
                0 -> io:format("no progress, stopping~n");
                _ -> loop(Next(Type, Packet), Rest, Opts, Off + Used, Next)
            end;
        Other ->
            io:format("at ~p: ~p~n", [Off, Other])
    end.

next_type(http, {http_request, _, _, _}) -> httph;
next_type(http, {http_response, _, _, _}) -> httph;
next_type(httph, http_eoh) -> http;
next_type(http_bin, {http_request, _, _, _}) -> httph_bin;
next_type(http_bin, {http_response, _, _, _}) -> httph_bin;
next_type(httph_bin, http_eoh) -> http_bin;
next_type(Type, _) -> Type.
