//! The typed KQL abstract syntax tree.
//!
//! Every node carries a [`Span`] (byte offsets into the query text). The tree is
//! purely syntactic: names are not resolved and nothing is typed; that is the
//! binder's job (kql-planner). Literals are already decoded (escape sequences,
//! timespan units, datetime text parsed to ticks), so later stages never re-lex.

use crate::span::Span;

/// A whole query text: zero or more `let`/`set`/... statements, then usually one
/// tabular expression statement. A file may hold several tabular statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = <expr>;` (scalar or tabular expression, or a function).
    Let(LetStmt),
    /// `set name [= value];` (query options; kept, mostly ignored).
    Set(SetStmt),
    /// `declare query_parameters(...)`
    DeclareQueryParameters(DeclareStmt),
    /// A tabular (or, rarely, scalar) expression: the query itself.
    Query(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetStmt {
    pub name: Ident,
    pub value: LetValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// `let x = expr;` — the expression may be scalar or tabular.
    Expr(Expr),
    /// `let f = (a:long, b:string="x") { body };`
    Function(FunctionDef),
    /// `let f = view (...) { ... };`
    View(FunctionDef),
    /// `let T = materialize(expr);` is an ordinary `Expr` call; this is only for
    /// the not-yet-common `let x = external_table(...)` style we do not decode.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub params: Vec<Param>,
    /// Statements inside `{ ... }`: `let`s then one final expression.
    pub body: Vec<Statement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: ParamType,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    Scalar(TypeName),
    /// `T:(*)` or `T:(col:type, ...)`; `columns` is empty for `(*)`.
    Tabular {
        columns: Vec<ColumnDecl>,
        open: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetStmt {
    pub name: Ident,
    pub value: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeclareStmt {
    pub params: Vec<Param>,
    pub span: Span,
}

/// An identifier as written (`Name`, `['Name with space']`, `["x"]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A scalar type name as written in `typeof(...)`, `datatable(c:type)`,
/// function parameters, `to typeof()`, etc. Normalised to the canonical KQL name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeName {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
}

impl TypeName {
    /// Canonical KQL spelling (`datetime`, `timespan`, `real`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TypeName::Bool => "bool",
            TypeName::Int => "int",
            TypeName::Long => "long",
            TypeName::Real => "real",
            TypeName::Decimal => "decimal",
            TypeName::String => "string",
            TypeName::DateTime => "datetime",
            TypeName::TimeSpan => "timespan",
            TypeName::Guid => "guid",
            TypeName::Dynamic => "dynamic",
        }
    }

    /// Parse any documented spelling, case-insensitively (`boolean`, `double`,
    /// `date`, `time`, `uniqueid`, `int64`, ...). Unknown names give `None`.
    pub fn from_name(s: &str) -> Option<TypeName> {
        Some(match s.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => TypeName::Bool,
            "int" | "int32" => TypeName::Int,
            "long" | "int64" | "bigint" => TypeName::Long,
            "real" | "double" | "float" => TypeName::Real,
            "decimal" => TypeName::Decimal,
            "string" => TypeName::String,
            "datetime" | "date" => TypeName::DateTime,
            "timespan" | "time" => TypeName::TimeSpan,
            "guid" | "uuid" | "uniqueid" => TypeName::Guid,
            "dynamic" => TypeName::Dynamic,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: Ident,
    pub ty: TypeName,
    pub span: Span,
}

/// Any expression: scalar or tabular. KQL's grammar does not separate them
/// cleanly (a `let` may bind either; `T | where ...` is an expression), so one
/// enum holds both and the binder decides which is which.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// This expression with each of its scalar sub-expressions (one level
    /// down) replaced by `f` of it; tabular parts (`Pipe`, `Source`) and
    /// leaves are kept as they are.
    pub fn try_map_children<E>(
        &self,
        f: &mut impl FnMut(&Expr) -> Result<Expr, E>,
    ) -> Result<Expr, E> {
        let mut one = |e: &Expr| f(e).map(Box::new);
        let kind = match &self.kind {
            ExprKind::Member { target, name } => ExprKind::Member {
                target: one(target)?,
                name: name.clone(),
            },
            ExprKind::Index { target, index } => ExprKind::Index {
                target: one(target)?,
                index: one(index)?,
            },
            ExprKind::Call(c) => ExprKind::Call(Call {
                name: c.name.clone(),
                args: c
                    .args
                    .iter()
                    .map(|a| {
                        Ok(Arg {
                            name: a.name.clone(),
                            value: *one(&a.value)?,
                            span: a.span,
                        })
                    })
                    .collect::<Result<_, E>>()?,
            }),
            ExprKind::Unary { op, operand } => ExprKind::Unary {
                op: *op,
                operand: one(operand)?,
            },
            ExprKind::Binary { op, left, right } => ExprKind::Binary {
                op: *op,
                left: one(left)?,
                right: one(right)?,
            },
            ExprKind::In { expr, op, list } => ExprKind::In {
                expr: one(expr)?,
                op: *op,
                list: list
                    .iter()
                    .map(|x| one(x).map(|b| *b))
                    .collect::<Result<_, E>>()?,
            },
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => ExprKind::Between {
                expr: one(expr)?,
                low: one(low)?,
                high: one(high)?,
                negated: *negated,
            },
            ExprKind::HasAnyAll { expr, op, list } => ExprKind::HasAnyAll {
                expr: one(expr)?,
                op: *op,
                list: list
                    .iter()
                    .map(|x| one(x).map(|b| *b))
                    .collect::<Result<_, E>>()?,
            },
            ExprKind::Literal(_)
            | ExprKind::Name(_)
            | ExprKind::JoinSide(_)
            | ExprKind::Star
            | ExprKind::Pipe { .. }
            | ExprKind::Source(_)
            | ExprKind::ImplicitInput => self.kind.clone(),
        };
        Ok(Expr {
            kind,
            span: self.span,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A bare name: column, let variable, table, or parameter.
    Name(Ident),
    /// `$left` / `$right` (only meaningful inside join conditions).
    JoinSide(JoinSide),
    /// `expr.name`, `expr['name']`, `expr["name"]`.
    Member {
        target: Box<Expr>,
        name: Ident,
    },
    /// `expr[index]` with a non-string-literal index (`x[0]`, `x[-1]`, `x[i]`).
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// `f(args)`, possibly with named arguments (`f(a=1)`), or `T.f()`-style
    /// calls are not a thing in KQL; `*` as an argument appears as [`ExprKind::Star`].
    Call(Call),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x in (a, b)`, `x !in~ (T | project y)`, ... `list` holds the
    /// parenthesised items (one item may be a tabular expression or a dynamic).
    In {
        expr: Box<Expr>,
        op: InOp,
        list: Vec<Expr>,
    },
    /// `x between (a .. b)`, `x !between (a .. b)`.
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    /// `x has_any (a, b)` / `has_all` / `has_any_cs`... with their list.
    HasAnyAll {
        expr: Box<Expr>,
        op: HasListOp,
        list: Vec<Expr>,
    },
    /// `*` in `count(*)`, `arg_max(x, *)`, `pack_all`... and `project-away *`.
    Star,
    /// One step of a tabular pipeline: `source | op`. Parentheses are not
    /// kept as nodes; they only shape the tree.
    Pipe {
        source: Box<Expr>,
        op: Box<TabularOp>,
    },
    /// A tabular source that is not a name or call: `datatable(...)[...]`,
    /// `print ...`, `range ...`, `union ...` at the start of a pipeline,
    /// `externaldata ...`, `evaluate ...`, `find ...`, `search ...`.
    Source(Box<TabularOp>),
    /// The implicit input of a sub-query: the innermost source of the pipeline
    /// in `mv-apply ... on (where ... | summarize ...)`, i.e. the rows the
    /// enclosing operator feeds in. Its span is empty (at the sub-query start).
    ImplicitInput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSide {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// `Some` for `name = value` arguments.
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    /// Not produced by the parser: `not(x)` is an ordinary call to the function
    /// `not`. Kept for later stages that want to normalise it.
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    // comparisons
    Eq,
    NotEq,
    EqTilde,
    NotEqTilde,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `<>` is an alias of `!=`, mapped at parse time.
    // arithmetic
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// A string operator (`has`, `!contains_cs`, `matches regex`, `like`...).
    Str(StrOp),
}

/// String predicate operators. `negated` covers the `!` forms; `cs` the `_cs` forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StrOp {
    pub kind: StrOpKind,
    pub negated: bool,
    pub case_sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrOpKind {
    Has,
    Contains,
    StartsWith,
    EndsWith,
    HasPrefix,
    HasSuffix,
    /// `like` / `notlike` (case-insensitive); `like_cs` / `notlike_cs`.
    Like,
    /// `matches regex` (always case-sensitive unless the regex says otherwise).
    MatchesRegex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InOp {
    /// `in`
    In,
    /// `!in`
    NotIn,
    /// `in~`
    InCi,
    /// `!in~`
    NotInCi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HasListOp {
    HasAny,
    HasAll,
    /// `has_any_cs` (not documented everywhere, but accepted by Kusto)
    HasAnyCs,
    HasAllCs,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `bool(null)`, `long(null)`, ... a typed null.
    Null(TypeName),
    Bool(bool),
    /// An integer literal. `int` when written `int(5)`, otherwise `long`.
    Int(i32),
    Long(i64),
    Real(f64),
    /// `decimal(1.5)`: kept as its text, the binder decides the precision.
    Decimal(String),
    /// Decoded string value (escapes resolved, `h` obfuscation dropped).
    String(String),
    /// 100-ns ticks since 1970-01-01T00:00:00Z (can be negative).
    DateTime(i64),
    /// 100-ns ticks.
    TimeSpan(i64),
    /// Canonical lower-case hyphenated text.
    Guid(String),
    /// `dynamic(...)`: the value as JSON.
    Dynamic(DynamicLit),
}

/// The value inside `dynamic(...)`, decoded. Kept as a tree (not JSON text) so
/// datetime/timespan members keep their types for the printer; the binder turns
/// it into the runtime dynamic representation.
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicLit {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    String(String),
    DateTime(i64),
    TimeSpan(i64),
    Guid(String),
    Array(Vec<DynamicLit>),
    /// Keys in the written order.
    Object(Vec<(String, DynamicLit)>),
}

// ---------------------------------------------------------------------------
// Tabular operators
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct TabularOp {
    pub kind: OpKind,
    pub span: Span,
}

/// `name = value` options such as `kind=inner`, `hint.strategy=shuffle`,
/// `isfuzzy=true`, `withsource=T`, `bagexpansion=array`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpParam {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// An output column: `[name =] expr`, or `(a, b) = expr` for multi-column
/// results (arg_max, parse_...). `names` is empty when the name is implicit.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    pub names: Vec<Ident>,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

/// What `find` returns besides the source column.
#[derive(Debug, Clone, PartialEq)]
pub enum FindOutput {
    /// `project-smart` (the default): the predicate's columns, the columns
    /// every table has, and `pack_` with the rest.
    Smart,
    /// `project Col[:type], ...[, pack_all()]`.
    Columns {
        columns: Vec<FindColumn>,
        pack_all: bool,
    },
}

/// A column of `find ... project`: a name, with the type the result gives
/// it when written.
#[derive(Debug, Clone, PartialEq)]
pub struct FindColumn {
    pub name: Ident,
    pub ty: Option<TypeName>,
    pub span: Span,
}

/// `scan [with_match_id = Name] [order by ...] [partition by ...]
/// [declare (Name: type [= Default], ...)] with (step ...; ...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOp {
    pub params: Vec<OpParam>,
    /// `order by ...` (empty when not written).
    pub order: Vec<SortKey>,
    /// `partition by ...` (empty when not written).
    pub partition: Vec<Expr>,
    /// `declare (...)`: the columns the steps assign.
    pub declare: Vec<Param>,
    pub steps: Vec<ScanStep>,
}

/// `step Name [optional] [output = all|last|none]: Condition [=> Col = Expr, ...];`
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    pub name: Ident,
    pub optional: bool,
    pub output: ScanOutput,
    pub condition: Expr,
    pub assignments: Vec<(Ident, Expr)>,
    pub span: Span,
}

/// Which of a step's matches are output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOutput {
    All,
    Last,
    None,
}

/// One `top-nested [N] of Expr [with others = C] by Aggregation [asc|desc]`
/// clause.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    /// `None`: every value.
    pub count: Option<Expr>,
    pub of: NamedExpr,
    pub others: Option<Expr>,
    pub by: NamedExpr,
    /// `asc` was written (the default is desc).
    pub ascending: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    /// `None` when not written (KQL default: desc).
    pub order: Option<SortOrder>,
    /// `None` when not written (default: first for asc, last for desc).
    pub nulls: Option<NullsOrder>,
    pub span: Span,
}

/// A column-name pattern in `project-away`, `project-keep`, `project-reorder`:
/// a plain name or a wildcard (`Device*`, `*_s`).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPattern {
    pub pattern: String,
    pub has_wildcard: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenamePair {
    pub new_name: Ident,
    pub old_name: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReorderKey {
    pub pattern: ColumnPattern,
    pub order: Option<SortOrder>,
    /// `granny-asc` / `granny-desc` (natural sort).
    pub granny: bool,
}

// Operators are few per query; boxing the big variants would only make the
// binder's patterns noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// `where` / `filter`
    Where {
        params: Vec<OpParam>,
        predicate: Expr,
    },
    Project(Vec<NamedExpr>),
    ProjectAway(Vec<ColumnPattern>),
    ProjectKeep(Vec<ColumnPattern>),
    ProjectRename(Vec<RenamePair>),
    ProjectReorder(Vec<ReorderKey>),
    /// `project-by-names spec, ...`: column names, dynamic arrays of names
    /// or name patterns, evaluated when binding.
    ProjectByNames(Vec<Expr>),
    Extend(Vec<NamedExpr>),
    Summarize {
        params: Vec<OpParam>,
        aggregates: Vec<NamedExpr>,
        by: Vec<NamedExpr>,
    },
    /// `count [as Name]`
    Count {
        name: Option<Ident>,
    },
    /// `take N` / `limit N` (hint options are dropped)
    Take(Expr),
    Top {
        count: Expr,
        by: SortKey,
        with_others: Option<Ident>,
    },
    /// `sort by` / `order by`
    Sort {
        params: Vec<OpParam>,
        keys: Vec<SortKey>,
    },
    /// `distinct a, b` or `distinct *`. (`distinct Name = expr`, with a name,
    /// is built as `Summarize` with only `by` keys, which is what it means.)
    Distinct(Vec<Expr>),
    Print(Vec<NamedExpr>),
    Datatable {
        columns: Vec<ColumnDecl>,
        values: Vec<Expr>,
    },
    Range {
        column: Ident,
        from: Expr,
        to: Expr,
        step: Expr,
    },
    Union {
        params: Vec<OpParam>,
        /// Table names (possibly with wildcards, as `Name` exprs whose text has `*`),
        /// calls, or parenthesised tabular expressions.
        tables: Vec<Expr>,
    },
    /// `as [hint.materialized=true] Name`
    As {
        params: Vec<OpParam>,
        name: Ident,
    },
    Join {
        params: Vec<OpParam>,
        right: Expr,
        /// `on a, $left.b == $right.c`; empty when `where` form or absent.
        on: Vec<Expr>,
    },
    Lookup {
        params: Vec<OpParam>,
        right: Expr,
        on: Vec<Expr>,
    },
    MvExpand {
        params: Vec<OpParam>,
        columns: Vec<MvExpandColumn>,
        limit: Option<Expr>,
    },
    MvApply {
        params: Vec<OpParam>,
        items: Vec<MvExpandColumn>,
        limit: Option<Expr>,
        /// `with_itemindex = Name` (taken out of `params`).
        id_column: Option<Ident>,
        /// The operators inside `on (...)`, applied to [`ExprKind::ImplicitInput`].
        subquery: Expr,
    },
    Parse {
        kind: ParseKind,
        params: Vec<OpParam>,
        source: Expr,
        pattern: Vec<ParsePart>,
    },
    /// `parse-where`: like `parse`, but drops the rows that do not match.
    ParseWhere {
        kind: ParseKind,
        params: Vec<OpParam>,
        source: Expr,
        pattern: Vec<ParsePart>,
    },
    ParseKv {
        source: Expr,
        columns: Vec<ColumnDecl>,
        params: Vec<OpParam>,
    },
    /// `make-series`. A per-aggregate `default = v` is kept as a `default`
    /// option in `params`, in the order of the aggregates that have one.
    MakeSeries {
        params: Vec<OpParam>,
        aggregates: Vec<NamedExpr>,
        on: Expr,
        range: Option<(Expr, Expr, Expr)>,
        step: Option<Expr>,
        from: Option<Expr>,
        to: Option<Expr>,
        by: Vec<NamedExpr>,
    },
    /// `evaluate [hints] plugin(args) [: (col:type, ... [, *])]`; `schema`
    /// is the output schema's columns and whether it has `*`.
    Evaluate {
        params: Vec<OpParam>,
        call: Expr,
        schema: Option<(Vec<ColumnDecl>, bool)>,
    },
    /// `render chart [with (name = value, ...)]`; a list value (`ycolumns=a, b`)
    /// gives one `OpParam` per item. `raw` is the operator's whole text.
    Render {
        chart: Ident,
        params: Vec<OpParam>,
        raw: String,
    },
    Serialize(Vec<NamedExpr>),
    Invoke(Expr),
    Sample(Expr),
    SampleDistinct {
        count: Expr,
        column: Expr,
    },
    GetSchema,
    /// `top-nested ..., top-nested ...`: one level per clause, outermost first.
    TopNested(Vec<TopNestedLevel>),
    /// The raw-text operators below keep the operator's whole source text
    /// (keyword included, trailing blanks and comments dropped) in `raw`.
    TopHitters {
        raw: String,
    },
    Search {
        params: Vec<OpParam>,
        tables: Vec<Expr>,
        predicate: Expr,
    },
    Find {
        params: Vec<OpParam>,
        /// `in (...)`; empty: every table.
        tables: Vec<Expr>,
        predicate: Expr,
        output: FindOutput,
    },
    Fork {
        raw: String,
    },
    Facet {
        raw: String,
    },
    /// `partition [hints] by Column (subquery)`; `source` is the legacy
    /// `{ subquery with its own source }` form, `subquery` otherwise.
    Partition {
        params: Vec<OpParam>,
        column: Ident,
        subquery: Option<Expr>,
        source: Option<Expr>,
    },
    Scan(ScanOp),
    Consume {
        params: Vec<OpParam>,
    },
    Reduce {
        raw: String,
    },
    ExternalData {
        columns: Vec<ColumnDecl>,
        urls: Vec<Expr>,
        params: Vec<OpParam>,
    },
    /// `make-graph`, `graph-match`, `graph-shortest-paths`, `graph-to-table`,
    /// `graph-mark-components` (see [`GraphOp`]).
    Graph(GraphOp),
    /// `materialize(...)`-style or other operators the parser recognises by name
    /// only; `name` is the operator keyword, `raw` its text.
    Other {
        name: String,
        raw: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandColumn {
    pub name: Option<Ident>,
    pub expr: Expr,
    pub to_type: Option<TypeName>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    Simple,
    Relaxed,
    Regex,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A string literal to match.
    Text(String),
    /// `*`: skip anything.
    Wildcard,
    /// `Name[:type]`
    Column { name: Ident, ty: Option<TypeName> },
}

// ---------------------------------------------------------------------------
// Graph operators
// ---------------------------------------------------------------------------

/// A graph operator; `raw` is its whole text (for printers).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphOp {
    pub kind: GraphOpKind,
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GraphOpKind {
    /// `make-graph Source --> Target [with_node_id=N | with T1 on Id1, T2 on Id2]
    /// [partitioned-by Column (graph operators)]`
    MakeGraph {
        source: Ident,
        target: Ident,
        node_id: Option<Ident>,
        /// `(nodes table, its id column)`
        node_tables: Vec<(Expr, Ident)>,
        /// The partition column and the graph operators applied to each
        /// partition's graph (an [`ExprKind::ImplicitInput`] pipeline).
        partition: Option<(Ident, Expr)>,
    },
    /// `graph-match` (`shortest: false`) or `graph-shortest-paths` (`true`).
    Match {
        shortest: bool,
        /// `cycles=...` / `output=...`
        params: Vec<GraphParam>,
        pattern: Vec<GraphPath>,
        predicate: Option<Expr>,
        /// `None` when the `project` clause is missing.
        project: Option<Vec<NamedExpr>>,
    },
    /// `graph-to-table nodes ..., edges ...`
    ToTable(Vec<GraphTablePart>),
    /// `graph-mark-components [kind=K] [with_component_id=C]`
    MarkComponents { params: Vec<GraphParam> },
}

/// `name=value` of a graph operator (the value is a name: `cycles=none`).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphParam {
    pub name: String,
    pub value: Ident,
    pub span: Span,
}

/// `nodes [as N] [with_node_id=C]` or `edges [with_source_id=S] [with_target_id=T] [as E]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphTablePart {
    pub edges: bool,
    pub name: Option<Ident>,
    pub params: Vec<GraphParam>,
    pub span: Span,
}

/// One sequence `(a)-[e]->(b)<--(c)`: `nodes.len() == edges.len() + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPath {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// `None` for `()`.
    pub name: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeDirection {
    /// `-->`, `-[e]->`
    Right,
    /// `<--`, `<-[e]-`
    Left,
    /// `--`, `-[e]-`
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    pub name: Option<Ident>,
    pub direction: EdgeDirection,
    /// `*min..max` of a variable length edge.
    pub range: Option<(u32, u32)>,
    pub span: Span,
}

impl GraphOpKind {
    /// The operator keyword.
    pub fn name(&self) -> &'static str {
        match self {
            GraphOpKind::MakeGraph { .. } => "make-graph",
            GraphOpKind::Match {
                shortest: false, ..
            } => "graph-match",
            GraphOpKind::Match { shortest: true, .. } => "graph-shortest-paths",
            GraphOpKind::ToTable(_) => "graph-to-table",
            GraphOpKind::MarkComponents { .. } => "graph-mark-components",
        }
    }
}
