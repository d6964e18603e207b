extension ReportPage {
    /// The page's style: status colours, the host rows and the bars.
    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
        h1{font-size:1.4em;margin:0 0 .4em}h2{font-size:1.15em;margin:1.4em 0 .5em}
        h1.s-ok{color:#1a7f37}h1.s-failed{color:#b42318}
        dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:0}dt{color:#666}dd{margin:0}
        table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
        .badge{display:inline-block;border-radius:.7em;padding:0 .6em;color:#fff;font-size:.9em}
        .s-ok{background:#1a7f37}.s-failed{background:#b42318}.s-timed-out{background:#c4320a}
        .s-interrupted{background:#667085}.s-trouble{background:#7a2e98}.s-held{background:#b54708}
        .s-not-run{background:#98a2b3}h1.s-ok,h1.s-failed{background:none}
        .chart{width:100%;height:120px;background:#f6f8fa}.chart polyline{fill:none;stroke:#175cd3;stroke-width:2;
        vector-effect:non-scaling-stroke}
        .axis{display:flex;justify-content:space-between;color:#666;margin:0}
        .rows{position:relative}.marks{position:absolute;left:16.5em;right:6.5em;top:0;bottom:0;pointer-events:none}
        .wave{position:absolute;top:0;bottom:0;border-left:1px dashed #b54708}
        .host{display:flex;align-items:center;gap:.5em;min-height:1.3em}
        .name{width:16em;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        .track{position:relative;flex:1;height:.9em;background:#f2f4f7}
        .bytes{width:6em;flex:none;text-align:right;color:#666;font-size:.9em}
        .bar{position:absolute;top:0;bottom:0;min-width:1px}
        .c-ok{background:#32a852}.c-failed{background:#d92d20}.c-failed-ignored{background:#f79009}
        .c-interrupted{background:#667085}.c-trouble{background:#9e77ed}.c-held{background:#dc6803}
        .barrier{outline:2px solid #b54708}.reconnected{background-image:repeating-linear-gradient(45deg,
        transparent 0 3px,rgba(0,0,0,.35) 3px 5px)}
        summary{cursor:pointer;margin:.4em 0}.filters input{width:20em}.hidden{display:none}
        """

    /// The filters: a text box over host names, commands and messages, and a status list.
    static let script = """
        <script>
        (function(){
        var box=document.getElementById('filter'),pick=document.getElementById('status'),
        shown=document.getElementById('shown'),rows=document.querySelectorAll('#timeline .host');
        function apply(){var text=box.value.toLowerCase(),status=pick.value,count=0;
        for(var i=0;i<rows.length;i++){var row=rows[i];
        var keep=(!text||row.getAttribute('data-text').indexOf(text)>=0)&&(!status||row.getAttribute('data-status')===status);
        row.classList.toggle('hidden',!keep);if(keep)count++;}
        if(text||status){document.getElementById('ok-hosts').open=true;}
        shown.textContent=(text||status)?count+' of '+rows.length+' hosts':'';}
        box.addEventListener('input',apply);pick.addEventListener('change',apply);})();
        </script>
        """
}
