/*
 * IoT Hub's query language for device and module twins: SELECT ... FROM devices[.modules]
 * [WHERE ...] [GROUP BY ...]. Keywords are case-insensitive; property paths are case-sensitive.
 */
grammar DeviceQuery;

query
    : SELECT (TOP top=NUMBER)? selection FROM collection (WHERE where=expression)?
      (GROUP BY groups+=path (',' groups+=path)*)? EOF
    ;

// an export job's filter (an Iolite extension): what follows WHERE, alone
filter
    : expression EOF
    ;

selection
    : '*'                                  # selectAll
    | items+=selectItem (',' items+=selectItem)*   # selectItems
    ;

selectItem
    : COUNT '(' ')' (AS alias=IDENTIFIER)?          # countItem
    | path (AS alias=IDENTIFIER)?                  # pathItem
    ;

collection
    : IDENTIFIER ('.' IDENTIFIER)?
    ;

expression
    // alternatives in order of precedence, tightest first; NOT binds looser than comparisons (SQL's rule)
    : '(' expression ')'                                        # parenthesized
    | name=IDENTIFIER '(' (args+=expression (',' args+=expression)*)? ')'  # call
    | literal                                                   # constant
    | path                                                      # property
    | left=expression op=('*' | '/' | '%') right=expression     # multiplicative
    | left=expression op=('+' | '-') right=expression           # additive
    | left=expression op=('=' | '!=' | '<>' | '<' | '>' | '<=' | '>=') right=expression  # comparison
    | expression op=(IN | NIN) '[' (literal (',' literal)*)? ']'  # membership
    | NOT expression                                            # not
    | left=expression AND right=expression                      # and
    | left=expression OR right=expression                       # or
    ;

path
    : segments+=segment ('.' segments+=segment)*
    ;

// a property whose name is a keyword or not an identifier is bracketed: tags.[[group]].name
segment
    : IDENTIFIER
    | BRACKETED
    ;

literal
    : STRING
    | '-'? NUMBER
    | TRUE
    | FALSE
    | NULL
    ;

SELECT : S E L E C T ;
TOP    : T O P ;
FROM   : F R O M ;
WHERE  : W H E R E ;
GROUP  : G R O U P ;
BY     : B Y ;
AS     : A S ;
COUNT  : C O U N T ;
AND    : A N D ;
OR     : O R ;
NOT    : N O T ;
IN     : I N ;
NIN    : N I N ;
TRUE   : T R U E ;
FALSE  : F A L S E ;
NULL   : N U L L ;

NUMBER     : DIGIT+ ('.' DIGIT+)? ([eE] [+-]? DIGIT+)? ;
STRING     : '\'' ( '\\' . | '\'\'' | ~['\\] )* '\''
           | '"' ( '\\' . | ~["\\] )* '"' ;
IDENTIFIER : [A-Za-z_$] [A-Za-z0-9_$]* ;
BRACKETED  : '[[' ~[\]\r\n]+ ']]' ;
WS         : [ \t\r\n]+ -> skip ;

fragment DIGIT : [0-9] ;
fragment A : [aA] ; fragment B : [bB] ; fragment C : [cC] ; fragment D : [dD] ; fragment E : [eE] ;
fragment F : [fF] ; fragment G : [gG] ; fragment H : [hH] ; fragment I : [iI] ; fragment L : [lL] ;
fragment M : [mM] ; fragment N : [nN] ; fragment O : [oO] ; fragment P : [pP] ; fragment R : [rR] ;
fragment S : [sS] ; fragment T : [tT] ; fragment U : [uU] ; fragment W : [wW] ; fragment Y : [yY] ;
