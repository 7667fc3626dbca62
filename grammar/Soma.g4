// Soma — the grammar of the language; the one source of its syntax.
//
// Notes for readers:
// * Statements end at ';' or simply where the next one starts: the grammar never needs a
//   separator, because no statement can begin with an operator.
// * A unit is read only where a unit can stand: right after a number on the same line
//   (`-65 mV`; the front end retypes that identifier token as UNIT before parsing), inside
//   `[ ... ]` after a number (`0.5 [mV/ms]`), in a type (`v: mV/ms`) and after `in`
//   (explicit conversion, `v in mV`). Everywhere else an identifier is a name, so states
//   called m, h, g or S never clash with units.
// * Keywords are few and reserved; names such as `pre`, `post`, `spikes`, `i`, `j` have
//   their meaning from context (sema), not from the lexer.
grammar Soma;

// An identifier that follows a number on the same line; retyped by the front end.
tokens { UNIT }

// ---------------------------------------------------------------- modules

file        : (importDecl | definition)* EOF ;

importDecl  : IMPORT qualifiedName SEMI? ;
qualifiedName : IDENT (DOT IDENT)* ;

definition  : neuronDef | synapseDef | networkDef | functionDef | constDef ;

neuronDef   : NEURON IDENT LBRACE modelItem* RBRACE ;
synapseDef  : SYNAPSE IDENT LBRACE modelItem* RBRACE ;

/// function NAME(p: type, …) [-> type] = expr
functionDef : FUNCTION IDENT LPAREN (funcParam (COMMA funcParam)*)? RPAREN (ARROW type)? ASSIGN expr SEMI? ;
funcParam   : IDENT COLON type ;

/// const NAME [: type] = expr
constDef    : CONST IDENT (COLON type)? ASSIGN expr SEMI? ;

// ---------------------------------------------------------------- neuron and synapse bodies

modelItem
    : PARAMETER LBRACE varDecl* RBRACE                         # parameterBlock
    | STATE LBRACE varDecl* RBRACE                             # stateBlock
    | INTERNAL LBRACE varDecl* RBRACE                          # internalBlock
    | INPUT LBRACE portDecl* RBRACE                            # inputBlock
    | DYNAMICS (USING IDENT)? LBRACE dynStmt* RBRACE           # dynamicsBlock
    | UPDATE LBRACE stmt* RBRACE                               # updateBlock
    | THRESHOLD expr SEMI?                                     # thresholdItem
    | RESET (HARD | SOFT)? LBRACE stmt* RBRACE                 # resetBlock
    | REFRACTORY expr (CLAMPS IDENT (COMMA IDENT)*)? SEMI?     # refractoryItem
    | ON eventKind IDENT? LBRACE stmt* RBRACE                  # eventBlock
    | CONTINUOUS LBRACE stmt* RBRACE                           # continuousBlock
    | SEGMENT IDENT LBRACK expr RBRACK LBRACE modelItem* RBRACE # segmentBlock
    | functionDef                                              # localFunction
    ;

eventKind   : PRE | POST | SPIKE | SIGNAL ;

/// NAME [: type] [= expr]      (a parameter without default must be set where it is used)
varDecl     : IDENT (COLON type)? (ASSIGN expr)? SEMI? ;

/// KIND NAME [: type]        kinds: current, conductance, spike, continuous, modulator
portDecl    : kind=(IDENT | SPIKE | CONTINUOUS) name=IDENT (COLON type)? SEMI? ;

dynStmt
    : IDENT PRIME ASSIGN expr SEMI?                            # odeStmt
    | LET IDENT (COLON type)? ASSIGN expr SEMI?                # aliasStmt
    ;

stmt
    : LET IDENT (COLON type)? ASSIGN expr SEMI?                # letStmt
    | lvalue assignOp expr SEMI?                               # assignStmt
    | IF expr LBRACE stmt* RBRACE (ELSE ifTail)?               # ifStmt
    | DELIVER expr SEMI?                                       # deliverStmt
    ;
ifTail      : LBRACE stmt* RBRACE | ifStmt=stmt ;  // `else { … }` or `else if …`

lvalue      : (IDENT | PRE | POST) (DOT IDENT)* (LBRACK expr RBRACK)? ;
assignOp    : ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN ;

// ---------------------------------------------------------------- types and units

/// real | int | bool | quantity | UNIT-EXPR | [UNIT-EXPR], optionally a vector: T[n].
/// The words real, int, bool and quantity are recognised by sema, not reserved.
type        : (unitExpr | LBRACK unitExpr RBRACK) (LBRACK expr RBRACK)? ;

unitExpr    : unitFactor ((STAR | SLASH) unitFactor)* ;
unitFactor  : unitAtom (CARET MINUS? INT)? ;
unitAtom    : IDENT | INT | LPAREN unitExpr RPAREN ;   // INT must be 1: `1/ms`

// ---------------------------------------------------------------- networks

networkDef  : NETWORK IDENT LBRACE networkItem* RBRACE ;

networkItem
    : CONST IDENT (COLON type)? ASSIGN expr SEMI?                              # netConst
    | POPULATION name=IDENT ASSIGN model=IDENT LBRACK expr RBRACK initBlock? SEMI?  # population
    | SOURCE name=IDENT ASSIGN kind=IDENT (LBRACK expr RBRACK)? args=callArgs
        (ENCODE encoder=IDENT encArgs=callArgs)? SEMI?                         # source
    | CONNECT (name=IDENT COLON)? pres=popRefList ARROW posts=popRefList
        connectClause* SEMI?                                                   # connect
    | SIGNAL IDENT (COLON type)? ASSIGN expr SEMI?                             # signal
    | BROADCAST IDENT ARROW lvalue (COMMA lvalue)* SEMI?                       # broadcast
    | RECORD recordTarget (COMMA recordTarget)* recordOption* SEMI?            # record
    | RUN expr (WITH namedArg (COMMA namedArg)*)? SEMI?                        # run
    ;

initBlock   : LBRACE (IDENT ASSIGN expr SEMI?)* RBRACE ;

popRefList  : popRef (COMMA popRef)* ;
/// Pop, Pop[3], Pop[0:10]
popRef      : IDENT (LBRACK first=expr (COLON last=expr)? RBRACK)? ;

connectClause
    : WITH IDENT callArgs?                                     # synapseClause
    | BY IDENT callArgs?                                       # connectorClause
    | DELAY expr                                               # delayClause
    | ONTO IDENT (DOT IDENT)?                                  # ontoClause
    ;

recordTarget : popRef DOT IDENT ;
recordOption : kind=(EVERY | FROM | TO) expr ;

callArgs    : LPAREN argList? RPAREN ;
argList     : arg (COMMA arg)* ;
arg         : (argName ASSIGN)? expr ;
/// Argument names may be words that are keywords elsewhere: delta(threshold = 0.1).
argName     : IDENT | THRESHOLD | DELAY | SIGNAL ;
namedArg    : IDENT ASSIGN expr ;

// ---------------------------------------------------------------- expressions
// Precedence, tightest first (ANTLR's order): postfix (call, index, member), ^ (right-
// associative), unary - +, * / %, + -, `in` (conversion), comparison, not, and, or, ?:.

expr
    : primary                                                  # primaryExpr
    | expr callArgs                                            # call
    | base=expr LBRACK first=expr (COLON last=expr)? RBRACK    # index
    | expr DOT IDENT                                           # member
    | <assoc=right> expr CARET expr                            # power
    | (MINUS | PLUS) expr                                      # unary
    | expr (STAR | SLASH | PERCENT) expr                       # multiplicative
    | expr (PLUS | MINUS) expr                                 # additive
    | expr IN unitSpec                                         # conversion
    | expr (LT | LE | GT | GE | EQ | NE) expr                  # comparison
    | (NOT | BANG) expr                                        # notExpr
    | expr (AND | ANDAND) expr                                 # andExpr
    | expr (OR | OROR) expr                                    # orExpr
    | <assoc=right> cond=expr QUESTION yes=expr COLON no=expr  # conditional
    ;

unitSpec    : unitExpr | LBRACK unitExpr RBRACK ;

primary
    : value=(INT | NUMBER) (UNIT | LBRACK unitExpr RBRACK)?    # numberLiteral
    | (TRUE | FALSE)                                           # boolLiteral
    | STRING                                                   # stringLiteral
    | IDENT                                                    # nameRef
    | end=(PRE | POST) DOT IDENT                               # endpointRef
    | LPAREN expr RPAREN                                       # parenExpr
    | LBRACK (expr (COMMA expr)*)? RBRACK                      # listExpr
    ;

// ---------------------------------------------------------------- lexer

IMPORT : 'import' ; NEURON : 'neuron' ; SYNAPSE : 'synapse' ; NETWORK : 'network' ;
FUNCTION : 'function' ; CONST : 'const' ; PARAMETER : 'parameter' ; STATE : 'state' ;
INTERNAL : 'internal' ; INPUT : 'input' ; DYNAMICS : 'dynamics' ; USING : 'using' ;
UPDATE : 'update' ; THRESHOLD : 'threshold' ; RESET : 'reset' ; HARD : 'hard' ; SOFT : 'soft' ;
REFRACTORY : 'refractory' ; CLAMPS : 'clamps' ; ON : 'on' ; PRE : 'pre' ; POST : 'post' ;
SPIKE : 'spike' ; SIGNAL : 'signal' ; CONTINUOUS : 'continuous' ; SEGMENT : 'segment' ;
LET : 'let' ; IF : 'if' ; ELSE : 'else' ; DELIVER : 'deliver' ;
POPULATION : 'population' ; SOURCE : 'source' ; ENCODE : 'encode' ; CONNECT : 'connect' ;
WITH : 'with' ; BY : 'by' ; DELAY : 'delay' ; ONTO : 'onto' ; BROADCAST : 'broadcast' ;
RECORD : 'record' ; EVERY : 'every' ; FROM : 'from' ; TO : 'to' ; RUN : 'run' ;
IN : 'in' ; AND : 'and' ; OR : 'or' ; NOT : 'not' ; TRUE : 'true' ; FALSE : 'false' ;

ARROW : '->' ; PLUS_ASSIGN : '+=' ; MINUS_ASSIGN : '-=' ; STAR_ASSIGN : '*=' ; SLASH_ASSIGN : '/=' ;
LE : '<=' ; GE : '>=' ; EQ : '==' ; NE : '!=' ; ANDAND : '&&' ; OROR : '||' ;
LT : '<' ; GT : '>' ; ASSIGN : '=' ; PLUS : '+' ; MINUS : '-' ; STAR : '*' ; SLASH : '/' ;
PERCENT : '%' ; CARET : '^' ; BANG : '!' ; QUESTION : '?' ; COLON : ':' ; SEMI : ';' ;
COMMA : ',' ; DOT : '.' ; PRIME : '\'' ;
LPAREN : '(' ; RPAREN : ')' ; LBRACK : '[' ; RBRACK : ']' ; LBRACE : '{' ; RBRACE : '}' ;

INT    : DIGIT+ ;
NUMBER : DIGIT+ '.' DIGIT* EXPONENT? | '.' DIGIT+ EXPONENT? | DIGIT+ EXPONENT ;
fragment DIGIT : [0-9] ;
fragment EXPONENT : [eE] [+-]? DIGIT+ ;

// Letters include Latin-1 and Greek so that names like τ_m and units like Ω, µA are words.
IDENT  : LETTER (LETTER | DIGIT)* ;
fragment LETTER : [a-zA-Z_\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\u0370-\u03FF] ;


STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;

LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
// A '/*' with no '*/' after it; the front end reports it.
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF ;
WS : [ \t\r\n\f]+ -> skip ;

// Anything else is one bad character; the front end reports it with its position.
BAD_CHAR : . ;
