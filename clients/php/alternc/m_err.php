<?php
// A minimal 1.0-like error holder for scripts and tests: raise(class, code|string), errstr().
// A 1.0 panel keeps its own bureau/class/m_err.php (gettext messages, bureau.log).
class m_err
{
    var $clsid = 0;
    var $error = 0;
    var $param = [];

    function raise($clsid, $error, $param = '')
    {
        $this->clsid = $clsid;
        $this->error = $error;
        $this->param = array_slice(func_get_args(), 2);
        return false;
    }

    /**
     * As 1.0's: a string error is a sprintf() format (its arguments: raise()'s after the code)
     * that 1.0's pages print as HTML, so the classes pass the API's messages escaped.
     */
    function errstr()
    {
        if (is_string($this->error) && !ctype_digit($this->error)) {
            return vsprintf($this->error, $this->param);
        }
        return 'err_' . $this->clsid . '_' . $this->error;
    }

    function log($clsid, $function, $param = '')
    {
        return true;
    }
}
