#!/usr/bin/env escript
%% Checks the framing test tables against the real erlang:decode_packet/3.
%%
%% Usage: test_framing_X --erlang rows.terms && escript THIS rows.terms
%%
%% Each row is {Name, Type, Input, Options, Expected} where Expected is
%% decode_packet's answer in the canonical text form the C tests use
%% (tests/test_framing_common.h): more | more N | invalid | ok PACKET rest N.
%% Prints every row whose table entry differs from Erlang and exits 1 if
%% any does, so a wrong expectation cannot hide behind a matching bug.
-mode(compile).

main([File]) ->
    {ok, Rows} = file:consult(File),
    Bad = [R || R <- Rows, not check(R)],
    io:format("~s: ~b rows checked against ~s, ~b differ~n",
              [File, length(Rows), erlang:system_info(otp_release), length(Bad)]),
    halt(case Bad of [] -> 0; _ -> 1 end);
main(_) ->
    io:format(standard_error, "usage: test_framing_oracle.escript ROWS~n", []),
    halt(2).

check({Name, Type, Input, Opts, Expected}) ->
    Got = try canon(erlang:decode_packet(Type, Input, Opts))
          catch C:E -> lists:flatten(io_lib:format("~p:~p", [C, E]))
          end,
    case Got =:= Expected of
        true -> true;
        false ->
            io:format("row ~p: decode_packet(~p, ~p, ~p)~n  table:  ~s~n  erlang: ~s~n",
                      [Name, Type, Input, Opts, Expected, Got]),
            false
    end.

canon({more, undefined}) -> "more";
canon({more, N}) -> "more " ++ integer_to_list(N);
canon({error, invalid}) -> "invalid";
canon({ok, P, Rest}) ->
    lists:flatten(["ok ", term(P), " rest ", integer_to_list(byte_size(Rest))]).

%% http terms: tuples, atoms as ~p prints them, integers, and strings
%% (binaries for *_bin, lists of bytes for http/httph) quoted.
term(B) when is_binary(B) -> str(B);
term(L) when is_list(L) -> str(list_to_binary(L));
term(I) when is_integer(I) -> integer_to_list(I);
term(A) when is_atom(A) -> io_lib:format("~p", [A]);
term(T) when is_tuple(T) ->
    ["{", lists:join(",", [term(E) || E <- tuple_to_list(T)]), "}"].

str(B) -> [$", [esc(C) || <<C>> <= B], $"].

esc($") -> "\\\"";
esc($\\) -> "\\\\";
esc($\r) -> "\\r";
esc($\n) -> "\\n";
esc($\t) -> "\\t";
esc(C) when C >= 16#20, C =< 16#7e -> [C];
esc(C) -> io_lib:format("\\x~2.16.0b", [C]).
